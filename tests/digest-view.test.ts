// What a digest shows, decided by pure functions of the frozen papers (src/digest/digest-view.ts): exact
// strings at their edges, so a changed limit, separator or fallback fails here rather than in a reader's inbox.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  abstractExcerpt,
  digestView,
  editionSubject,
  editionTitle,
  formatAuthors,
  longDate,
  paperView,
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

test('an excerpt: whitespace collapsed, cut at the last space before the limit, trailing punctuation dropped', () => {
  assert.equal(abstractExcerpt('  One\n\ttwo   three  '), 'One two three', 'short: collapsed and trimmed, no ellipsis');
  assert.equal(abstractExcerpt('a'.repeat(280)), 'a'.repeat(280), 'exactly the limit is kept whole');
  assert.equal(abstractExcerpt('aaaa bbbb cccc', 12), 'aaaa bbbb…', 'cut at the last space at or before the limit');
  assert.equal(abstractExcerpt('aaaa bbbb, cccc', 12), 'aaaa bbbb…', 'a comma before the cut goes');
  assert.equal(abstractExcerpt('aaaa bbbb; - cccc', 13), 'aaaa bbbb…', 'so do ; : . - and spaces');
  assert.equal(abstractExcerpt('a'.repeat(30), 10), `${'a'.repeat(10)}…`, 'no space at all: cut at the limit');
  assert.equal(abstractExcerpt(`ab ${'c'.repeat(30)}`, 10), `ab ${'c'.repeat(7)}…`, 'a space too early: cut at the limit');
  assert.equal(abstractExcerpt(`${'a'.repeat(5)} ${'b'.repeat(30)}`, 10), `${'a'.repeat(5)}…`, 'a space at half the limit is used');
});

test('an excerpt never ends inside a $…$ formula, and an escaped \\$ is not one', () => {
  assert.equal(abstractExcerpt('We bound it by $a + b + c$ here', 20), 'We bound it by…', 'cut before the formula opens');
  assert.equal(abstractExcerpt('$a + b + c + d$ here', 10), '…', 'a formula at the start leaves nothing before it');
  assert.equal(abstractExcerpt('It costs \\$5 and more words here', 20), 'It costs \\$5 and…', 'an escaped dollar opens nothing');
  assert.equal(abstractExcerpt('Both $a$ and $b$ are small words here', 22), 'Both $a$ and $b$ are…', 'closed formulas are kept');
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
    `28 Nov — ${'x'.repeat(60)} ${'y'.repeat(8)}…`,
  );
  assert.equal(
    editionSubject('2026-11-28', [paper({ title: `${'x'.repeat(68)} yyyy` })]),
    `28 Nov — ${'x'.repeat(68)}…`,
    'no space before the …',
  );
});

test('a paper as the email shows it', () => {
  assert.deepEqual(
    paperView(
      paper({
        rank: 3,
        title: ' Spaced \n title ',
        url: 'javascript:alert(1)',
        codeUrl: 'https://github.com/x/y',
        projectUrl: 'ftp://example.org',
        githubStars: 12345,
        upvotes: 1,
        authors: ['Ada', 'Grace'],
        abstract: 'Short.',
      }),
    ),
    {
      rank: 3,
      title: 'Spaced title',
      url: '#',
      authors: 'Ada, Grace',
      excerpt: 'Short.',
      upvotes: 1,
      upvotesLabel: 'upvote',
      codeUrl: 'https://github.com/x/y',
      projectUrl: null,
      stars: '12,345',
    },
  );
  assert.equal(paperView(paper({ upvotes: 0 })).upvotesLabel, 'upvotes');
  assert.equal(paperView(paper({ upvotes: 2 })).upvotesLabel, 'upvotes');
  assert.equal(paperView(paper({ githubStars: 0 })).stars, null, 'no stars shown for zero');
  assert.equal(paperView(paper({ githubStars: 1 })).stars, '1');
  assert.equal(paperView(paper({ githubStars: -3 })).stars, null, 'nor for a nonsense negative count');
  assert.equal(paperView(paper({ githubStars: null })).stars, null);
  assert.equal(paperView(paper({ url: 'https://arxiv.org/abs/1' })).url, 'https://arxiv.org/abs/1');
});

test('the whole view: papers in order, a preview of their titles cut at 140 characters, the links as given', () => {
  const links = { browserUrl: 'https://p.example/editions/2026-11-28', homeUrl: 'https://p.example/', unsubscribeUrl: '%%U%%' };
  const view = digestView('2026-11-28', [paper({ title: 'First' }), paper({ rank: 2, title: 'Second' })], links);
  assert.deepEqual(
    { ...view, papers: view.papers.map((each) => each.title) },
    {
      editionDate: '2026-11-28',
      longDate: 'Saturday, 28 November 2026',
      title: 'Trending papers · Saturday, 28 November 2026',
      subject: '28 Nov — First + 1 more',
      preview: 'First · Second',
      papers: ['First', 'Second'],
      ...links,
    },
  );
  const long = digestView('2026-11-28', [paper({ title: 'a'.repeat(100) }), paper({ title: 'b'.repeat(100) })], links);
  assert.equal(long.preview, `${'a'.repeat(100)} · ${'b'.repeat(36)}…`);
  assert.equal(long.preview.length, 140);
});
