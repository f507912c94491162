// What a digest shows, decided by pure functions of the frozen papers (src/digest/digest-view.ts): exact
// strings at their edges, so a changed limit, separator or fallback fails here rather than in a reader's inbox.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  digestView,
  editionHeading,
  editionSubject,
  editionTitle,
  formatAuthors,
  formatVotes,
  longDate,
  paperView,
  titleText,
  type EditionPaper,
} from '../src/digest/digest-view.ts';

function paper(overrides: Partial<EditionPaper> = {}): EditionPaper {
  return {
    rank: 1,
    id: 1,
    externalId: '2611.00001',
    title: 'A paper',
    abstract: 'An abstract.',
    authors: ['Ada Lovelace'],
    url: 'https://arxiv.org/abs/2611.00001',
    codeUrl: null,
    projectUrl: null,
    githubStars: null,
    upvotes: 2,
    score: 1,
    ...overrides,
  };
}

test('authors: names trimmed, blanks dropped, four shown whole, five or more as three et al.', () => {
  assert.equal(formatAuthors([' Ada ', '', '  ', 'Grace']), 'Ada, Grace');
  assert.equal(formatAuthors(['', ' ']), 'Anonymous authors');
  assert.equal(formatAuthors(['A']), 'A');
  assert.equal(formatAuthors(['A', 'B', 'C', 'D', 'E', 'F']), 'A, B, C et al.');
});

test('the title, subject and date of an edition', () => {
  assert.equal(longDate('2026-11-28'), 'Saturday, 28 November 2026');
  assert.equal(longDate('2026-01-01'), 'Thursday, 1 January 2026', 'the calendar day itself, whatever the zone');
  assert.equal(editionTitle('2026-11-28'), 'Trending papers · Saturday, 28 November 2026');
  assert.equal(editionSubject('2026-11-28', []), '28 Nov — Trending papers');
  assert.equal(editionSubject('2026-11-28', [paper({ title: '  A\n  paper  ' })]), '28 Nov — A paper', 'one paper: no "+ 0 more"');
  assert.equal(editionSubject('2026-11-28', [paper(), paper(), paper()]), '28 Nov — A paper + 2 more');
  assert.equal(editionSubject('2026-11-28', [paper({ title: 'x'.repeat(70) })]), `28 Nov — ${'x'.repeat(70)}`, '70 characters fit');
  assert.equal(
    editionSubject('2026-11-28', [paper({ title: `${'x'.repeat(60)}   ${'y'.repeat(20)}` })]),
    `28 Nov — ${'x'.repeat(60)}…`,
    'cut on a word, never inside one',
  );
  assert.equal(
    editionSubject('2026-11-28', [paper({ title: `${'x'.repeat(68)} yyyy` })]),
    `28 Nov — ${'x'.repeat(68)}…`,
    'no space before the …',
  );
});

test('a paper as the email shows it: Hugging Face title link, arXiv and PDF, code with stars, a TL;DR', () => {
  const view = paperView(
    paper({
      rank: 3,
      title: ' Spaced \n A$^2$Search ',
      codeUrl: 'https://github.com/x/y',
      projectUrl: 'ftp://example.org',
      githubStars: 12345,
      upvotes: 1,
      authors: ['Ada', 'Grace'],
      abstract: 'Short.',
      aiSummary: null,
    }),
  );
  assert.deepEqual(view, {
    rank: 3,
    featured: true,
    title: 'Spaced A²Search',
    url: 'https://huggingface.co/papers/2611.00001',
    huggingFaceUrl: 'https://huggingface.co/papers/2611.00001',
    authors: 'Ada, Grace',
    tldr: 'Short.',
    upvotes: 1,
    votes: '▲ 1 upvote',
    links: [
      { label: 'arXiv', url: 'https://arxiv.org/abs/2611.00001' },
      { label: 'PDF', url: 'https://arxiv.org/pdf/2611.00001' },
      { label: 'Code ★ 12,345', url: 'https://github.com/x/y' },
    ],
    codeUrl: 'https://github.com/x/y',
    projectUrl: null,
    stars: '12,345',
  });
  assert.equal(paperView(paper({ rank: 4 })).featured, false, 'the top three are cards, the rest compact');
  assert.equal(paperView(paper({ aiSummary: 'The  TL;DR.' })).tldr, 'The TL;DR.', 'the AI summary before the abstract');
  assert.equal(paperView(paper({ githubStars: 0 })).stars, null, 'no stars shown for zero');
  assert.equal(paperView(paper({ githubStars: 1 })).stars, '1');
  assert.equal(paperView(paper({ githubStars: -3 })).stars, null, 'nor for a nonsense negative count');
  assert.equal(paperView(paper({ githubStars: null })).stars, null);
  const demo = paperView(paper({ externalId: 'synthetic-0001', url: 'https://arxiv.org/search/?query=x' }));
  assert.equal(demo.huggingFaceUrl, null, 'a demo paper has no Hugging Face page, and none is invented');
  assert.equal(demo.url, 'https://arxiv.org/search/?query=x');
  assert.equal(paperView(paper({ externalId: 'synthetic-0002', url: 'javascript:alert(1)' })).url, '#', 'only http(s) links');
});

test('votes are said as they are: the growth only when known and positive, never "+0"', () => {
  assert.equal(formatVotes(64, 41), '▲ 64 upvotes · +41 today');
  assert.equal(formatVotes(64, 0), '▲ 64 upvotes');
  assert.equal(formatVotes(64, null), '▲ 64 upvotes');
  assert.equal(formatVotes(64, undefined), '▲ 64 upvotes');
  assert.equal(formatVotes(1, null), '▲ 1 upvote');
  assert.equal(formatVotes(0, null), 'no upvotes yet');
  assert.equal(formatVotes(1234, 1000), '▲ 1,234 upvotes · +1,000 today');
  assert.equal(formatVotes(64, -2), '▲ 64 upvotes', 'a paper that lost votes today shows no growth, not "+-2"');
  assert.equal(editionHeading(10), 'The 10 papers rising fastest on Hugging Face');
  assert.equal(editionHeading(1), 'The paper rising fastest on Hugging Face');
});

test('the whole view: papers in order, cards then compact rows, the preview from the lead TL;DR, the links as given', () => {
  const links = { browserUrl: 'https://p.example/editions/2026-11-28', homeUrl: 'https://p.example/', unsubscribeUrl: '%%U%%' };
  const papers = [1, 2, 3, 4].map((rank) => paper({ rank, title: `Paper ${rank}`, abstract: `Finding ${rank}.` }));
  const view = digestView('2026-11-28', papers, links);
  assert.equal(view.subject, '28 Nov — Paper 1 + 3 more');
  assert.equal(view.heading, 'The 4 papers rising fastest on Hugging Face');
  assert.equal(view.preview, 'Finding 1.');
  assert.deepEqual(
    view.featured.map((each) => each.title),
    ['Paper 1', 'Paper 2', 'Paper 3'],
  );
  assert.deepEqual(
    view.more.map((each) => each.title),
    ['Paper 4'],
  );
  assert.equal(view.feedUrl, 'https://p.example/feed.xml', 'the feed defaults to /feed.xml');
  assert.equal(view.browserUrl, links.browserUrl);
  assert.equal(view.unsubscribeUrl, '%%U%%');
  const long = digestView('2026-11-28', [paper({ abstract: `${'word '.repeat(60)}end.` })], links);
  assert.ok(long.preview.length <= 140 && long.preview.endsWith('…'), `the preview is cut on a word: ${long.preview}`);
});

test('the links under a paper: each one once, only where it leads somewhere', () => {
  const labels = (overrides: Partial<EditionPaper>) => paperView(paper(overrides)).links;
  // An arXiv id gives arXiv and the PDF, whatever URL was stored with it.
  assert.deepEqual(labels({ url: 'https://example.org/elsewhere' }), [
    { label: 'arXiv', url: 'https://arxiv.org/abs/2611.00001' },
    { label: 'PDF', url: 'https://arxiv.org/pdf/2611.00001' },
  ]);
  // Listed on Hugging Face under another id: its own page, named for where it is; no PDF is made up.
  assert.deepEqual(labels({ externalId: 'neurips-2026-123', url: 'https://openreview.net/forum?id=abc' }), [
    { label: 'Paper', url: 'https://openreview.net/forum?id=abc' },
  ]);
  assert.deepEqual(labels({ externalId: 'paper-42', url: 'https://arxiv.org/abs/2611.00042' }), [
    { label: 'arXiv', url: 'https://arxiv.org/abs/2611.00042' },
  ]);
  // A demo paper's title already leads to its own URL: no second link to the same place.
  assert.deepEqual(labels({ externalId: 'synthetic-0001', url: 'https://arxiv.org/search/?query=x' }), []);
  // Code without stars, and a project page.
  assert.deepEqual(labels({ externalId: 'synthetic-0001', codeUrl: 'https://github.com/x/y', projectUrl: 'https://project.example/' }), [
    { label: 'Code', url: 'https://github.com/x/y' },
    { label: 'Project page', url: 'https://project.example/' },
  ]);
});

test('a title that renders to nothing is shown as written, whitespace collapsed, never as an empty line', () => {
  assert.equal(titleText('  \\label{x}\n  \\label{y} '), '\\label{x} \\label{y}');
});

test('the intro says how the list is ranked; an edition with no papers still has an inbox preview', () => {
  const view = digestView('2026-11-28', [], { browserUrl: 'https://p.example/e', homeUrl: 'https://p.example/', unsubscribeUrl: '%%U%%' });
  assert.match(view.intro, /^Ranked by upvotes on Hugging Face Daily Papers, with votes of the last 24 hours counting most/);
  assert.equal(view.preview, 'The day’s trending research papers.');
});
