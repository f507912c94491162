// Reading the Daily Papers listing: pure parsing, no I/O.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MalformedListingError, paperUrl, parseDailyPapers, relistPapers } from '../src/papers/listing.ts';

const FIXTURE = readFileSync(new URL('../fixtures/daily-papers-demo.json', import.meta.url), 'utf8');

// The shape Hugging Face's /api/daily_papers returns, trimmed, with fields paperboy ignores.
const entry = (paper: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  paper: {
    id: '2510.06488',
    title: 'Stratified GRPO',
    summary: 'An abstract.',
    authors: [
      { _id: 'x1', name: 'Mingkang Zhu', hidden: false },
      { _id: 'x2', name: 'Someone Hidden', hidden: true },
      { _id: 'x3', name: ' Bei Yu ', hidden: false },
    ],
    publishedAt: '2025-10-07T14:07:58.000Z',
    submittedOnDailyAt: '2025-10-08T02:11:33.413Z',
    upvotes: 12,
    discussionId: 'abc',
    githubRepo: 'https://github.com/example/stratified-grpo',
    githubStars: 42,
    projectPage: 'javascript:alert(1)',
    ai_summary: 'Short summary.',
    ai_keywords: ['RL', 'search agents'],
    ...paper,
  },
  title: 'Stratified GRPO',
  summary: 'An abstract.',
  thumbnail: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2510.06488.png',
  numComments: 3,
  submittedBy: { name: 'someone' },
  isAuthorParticipating: false,
  ...extra,
});

test('a Daily Papers entry becomes a paper, unknown fields ignored', () => {
  const { format, papers, rejected } = parseDailyPapers(JSON.stringify([entry({})]));
  assert.equal(format, 'json');
  assert.deepEqual(rejected, []);
  assert.deepEqual(papers[0], {
    externalId: '2510.06488',
    title: 'Stratified GRPO',
    abstract: 'An abstract.',
    // Hidden is a Hugging Face profile display setting, not "not an author": kept.
    authors: ['Mingkang Zhu', 'Someone Hidden', 'Bei Yu'],
    url: 'https://arxiv.org/abs/2510.06488',
    codeUrl: 'https://github.com/example/stratified-grpo',
    projectUrl: null,
    githubStars: 42,
    thumbnailUrl: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2510.06488.png',
    numComments: 3,
    aiSummary: 'Short summary.',
    keywords: ['RL', 'search agents'],
    publishedAt: new Date('2025-10-07T14:07:58.000Z'),
    listedAt: new Date('2025-10-08T02:11:33.413Z'),
    upvotes: 12,
  });
});

test('JSON Lines of the same entries are accepted, blank lines and CRLF too', () => {
  const lines = [entry({ id: '2510.00001' }), entry({ id: '2510.00002' })].map((value) => JSON.stringify(value)).join('\r\n\r\n');
  const { format, papers, rejected } = parseDailyPapers(`${lines}\r\n`);
  assert.equal(format, 'jsonl');
  assert.deepEqual(rejected, []);
  assert.deepEqual(
    papers.map((paper) => paper.externalId),
    ['2510.00001', '2510.00002'],
  );
});

test('entries without an id or a title are rejected with their position and reason; the rest load', () => {
  const listing = [
    entry({}),
    entry({ id: undefined }),
    { paper: { id: '2510.00009' } },
    'not an entry',
    entry({ id: '2510.00010', upvotes: -3 }),
    { title: 'no paper object' },
    entry({ id: '   ' }),
    entry({ id: '2510.00011', title: undefined }), // the entry-level title still names it
  ];
  const { papers, rejected } = parseDailyPapers(JSON.stringify(listing));
  assert.deepEqual(
    papers.map((paper) => paper.externalId),
    ['2510.06488', '2510.00011'],
  );
  assert.deepEqual(rejected, [
    { position: 2, where: 'entry 2', reason: 'paper.id is missing' },
    { position: 3, where: 'entry 3', reason: 'paper.title is missing' },
    { position: 4, where: 'entry 4', reason: 'entry must be an object' },
    { position: 5, where: 'entry 5', reason: 'paper.upvotes must not be negative' },
    { position: 6, where: 'entry 6', reason: 'paper is missing' },
    { position: 7, where: 'entry 7', reason: 'paper.id is empty' },
  ]);
});

test('a JSON Lines line that is not JSON is rejected by line number', () => {
  const text = [JSON.stringify(entry({})), '{"paper": {"id": "trunc', '', JSON.stringify(entry({ id: '2510.1', title: '' }))].join('\n');
  const { papers, rejected } = parseDailyPapers(text);
  assert.equal(papers.length, 1);
  assert.equal(rejected.length, 2);
  assert.deepEqual(
    rejected.map((r) => r.where),
    ['line 2', 'line 4'],
  );
  assert.match(rejected[0]!.reason, /^not valid JSON/);
  assert.equal(rejected[1]!.reason, 'paper.title is missing');
});

test('input that is not a listing at all is refused whole', () => {
  for (const text of ['', '   \n', '[{"paper": {"id": "1"', '{"error": ', '<html>502 Bad Gateway</html>', '{"paper": 1}'.slice(0, 5)]) {
    assert.throws(() => parseDailyPapers(text), MalformedListingError, JSON.stringify(text));
  }
  assert.throws(() => parseDailyPapers('["a", '), /not valid JSON/);
});

test('a paper listed twice in one batch is loaded once, as its last occurrence', () => {
  const { papers } = parseDailyPapers(JSON.stringify([entry({ upvotes: 1 }), entry({ upvotes: 7 })]));
  assert.equal(papers.length, 1);
  assert.equal(papers[0]!.upvotes, 7);
});

test('links: arXiv ids go to arXiv, synthetic demo ids to an arXiv title search, others to Hugging Face', () => {
  assert.equal(paperUrl('2510.06488', 'x'), 'https://arxiv.org/abs/2510.06488');
  assert.equal(paperUrl('hep-th/9901001v2', 'x'), 'https://arxiv.org/abs/hep-th/9901001v2');
  assert.equal(
    paperUrl('synthetic-0004', 'A$^2$Search: Q&A'),
    'https://arxiv.org/search/?searchtype=title&query=A%24%5E2%24Search%3A%20Q%26A',
  );
  assert.equal(paperUrl('some id', 'x'), 'https://huggingface.co/papers/some%20id');
});

test('the demo fixture keeps the seed page exactly: LaTeX, odd characters, author counts, upvotes', () => {
  const { papers, rejected } = parseDailyPapers(FIXTURE);
  assert.equal(rejected.length, 0);
  assert.equal(papers.length, 47);
  const a2 = papers.find((paper) => paper.title.startsWith('A$^2$Search'))!;
  assert.equal(a2.title, 'A$^2$Search: Ambiguity-Aware Question Answering with Reinforcement Learning');
  assert.match(a2.abstract, /we present A\^2Search, an annotation-free/);
  assert.ok(papers.some((paper) => paper.abstract.includes("Milenkovi\\'c")));
  assert.ok(papers.some((paper) => /[Θω]/.test(paper.abstract)));
  assert.ok(papers.every((paper) => /^synthetic-\d{4}$/.test(paper.externalId)));
  const carps = papers.find((paper) => paper.title.startsWith('carps:'))!;
  assert.equal(carps.authors.length, 17);
  assert.equal(carps.authors[0], 'Synthetic Author 1 of 17');
  assert.equal(papers.find((paper) => paper.title.startsWith('MIG:'))!.upvotes, 3);
  assert.equal(papers.find((paper) => paper.title.startsWith('Layerwise'))!.publishedAt?.toISOString(), '2024-08-13T00:00:00.000Z');
});

test('relisting moves every listing time by the same amount, newest first at the given moment', () => {
  const { papers } = parseDailyPapers(FIXTURE);
  const now = new Date('2030-01-01T12:00:00Z');
  const relisted = relistPapers(papers, now);
  const times = relisted.map((paper) => paper.listedAt!.getTime());
  assert.equal(Math.max(...times), now.getTime());
  for (let i = 1; i < papers.length; i++) {
    assert.equal(times[i]! - times[0]!, papers[i]!.listedAt!.getTime() - papers[0]!.listedAt!.getTime());
  }
  assert.ok(Math.min(...times) > now.getTime() - 24 * 3600_000, 'the whole demo page is listed within a day');
});
