// Trending re-ranked by taste (src/digest/taste.ts): pure, deterministic, explainable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_TASTE, rankForReader, stem, terms, votesLine, type Candidate, type ReaderTaste } from '../src/digest/taste.ts';

const paper = (id: number, title: string, abstract: string, trendingScore: number, extra: Partial<Candidate> = {}): Candidate => ({
  id,
  title,
  abstract,
  trendingScore,
  upvotes: Math.round(trendingScore),
  keywords: [],
  authors: ['Someone Else'],
  ...extra,
});

// Today's pool: two diffusion papers and two reinforcement-learning papers, trending close together.
const pool = [
  paper(1, 'Scaling reinforcement learning agents with sparse rewards', 'A policy gradient method for agents and reward shaping.', 10),
  paper(2, 'Faster diffusion sampling for image generation', 'We distil a diffusion model into a few-step image sampler.', 9.5),
  paper(3, 'Offline reinforcement learning from human feedback', 'Policy optimisation from logged rewards and preferences.', 9),
  paper(4, 'Video diffusion transformers', 'A diffusion transformer generates video frames with denoising.', 8.5),
  paper(5, 'A survey of protein folding benchmarks', 'Benchmarks for structure prediction.', 8, { authors: ['Ada Lovelace'] }),
];
// What each reader liked before (earlier editions): three diffusion papers, or three RL papers.
const likedDiffusion = [
  paper(101, 'Denoising diffusion probabilistic models', 'Diffusion models generate images by denoising.', 0),
  paper(102, 'Latent diffusion for image synthesis', 'Image generation with diffusion in a latent space.', 0),
  paper(103, 'Consistency models for one-step diffusion sampling', 'Few-step sampling of diffusion image models.', 0),
];
const likedRl = [
  paper(201, 'Proximal policy optimisation', 'A policy gradient method for reinforcement learning agents.', 0),
  paper(202, 'Deep reinforcement learning from human preferences', 'Reward models from human feedback train agents.', 0),
  paper(203, 'Offline reinforcement learning with conservative Q', 'Learning policies from logged rewards.', 0),
];
const taste = (changes: Partial<ReaderTaste>): ReaderTaste => ({ ...NO_TASTE, ...changes });
const ids = (ranked: { paper: { id: number } }[]) => ranked.map((entry) => entry.paper.id);

test('a reader with no settings and no ratings gets exactly the trending order, with the votes as the reason', () => {
  const ranked = rankForReader(pool, NO_TASTE, { size: 10, tasteWeight: 1 });
  assert.deepEqual(ids(ranked), [1, 2, 3, 4, 5]);
  assert.equal(ranked[0]!.why, '▲ 10 today');
  assert.deepEqual(
    ranked.map((entry) => entry.score),
    pool.map((candidate) => candidate.trendingScore),
  );
});

test('two readers who liked opposite papers get the same edition in different orders, each with the right why line', () => {
  const diffusionReader = rankForReader(pool, taste({ liked: likedDiffusion }), { size: 4, tasteWeight: 2 });
  const rlReader = rankForReader(pool, taste({ liked: likedRl }), { size: 4, tasteWeight: 2 });
  assert.deepEqual(ids(diffusionReader).slice(0, 2).sort(), [2, 4], 'diffusion first for the diffusion reader');
  assert.deepEqual(ids(rlReader).slice(0, 2).sort(), [1, 3], 'reinforcement learning first for the RL reader');
  assert.match(diffusionReader[0]!.why, /^you liked “.*diffusion.*”$/i);
  assert.match(rlReader[0]!.why, /^you liked “.*(reinforcement|policy).*”$/i);
});

test('disliking a kind of paper pushes it down, below papers that trend less', () => {
  const ranked = rankForReader(pool, taste({ disliked: likedRl }), { size: 5, tasteWeight: 1 });
  assert.ok(ids(ranked).indexOf(1) > ids(ranked).indexOf(2), 'the RL paper falls below the diffusion one');
});

test('excluded topics never appear; included ones rise and say so', () => {
  const ranked = rankForReader(pool, taste({ exclude: ['diffusion'], include: ['protein folding'] }), { size: 10, tasteWeight: 1 });
  assert.ok(!ids(ranked).includes(2) && !ids(ranked).includes(4), 'no diffusion paper');
  assert.equal(ranked[0]!.paper.id, 5, 'the protein folding paper rises to the top');
  assert.equal(ranked[0]!.why, 'matches protein folding');
});

test('"only my topics" keeps only matching papers, and none when nothing matches', () => {
  const ranked = rankForReader(pool, taste({ include: ['video'], onlyTopics: true }), { size: 10, tasteWeight: 1 });
  assert.deepEqual(ids(ranked), [4]);
  assert.deepEqual(rankForReader(pool, taste({ include: ['quantum chemistry'], onlyTopics: true }), { size: 10, tasteWeight: 1 }), []);
});

test('a followed author is always included, whatever the score, and the why line names them', () => {
  const ranked = rankForReader(pool, taste({ liked: likedDiffusion, authors: ['ada lovelace'] }), { size: 2, tasteWeight: 1 });
  assert.ok(ids(ranked).includes(5), 'the lowest-trending paper is in because its author is followed');
  assert.equal(ranked.find((entry) => entry.paper.id === 5)!.why, 'by Ada Lovelace, whom you follow');
  assert.equal(ranked.length, 2, 'a reader asking for 2 papers gets 2');
});

test('the size is honoured, and the result does not depend on the order of the candidates', () => {
  const shuffled = [pool[3]!, pool[0]!, pool[4]!, pool[2]!, pool[1]!];
  const a = rankForReader(pool, taste({ liked: likedRl }), { size: 3, tasteWeight: 1 });
  const b = rankForReader(shuffled, taste({ liked: likedRl }), { size: 3, tasteWeight: 1 });
  assert.equal(a.length, 3);
  assert.deepEqual(ids(a), ids(b));
});

test('taste weight 0 leaves the trending order even for a reader with ratings', () => {
  assert.deepEqual(ids(rankForReader(pool, taste({ liked: likedDiffusion }), { size: 5, tasteWeight: 0 })), [1, 2, 3, 4, 5]);
});

test('words meet across plurals and -ing forms, stopwords drop out', () => {
  assert.equal(stem('models'), 'model');
  assert.equal(stem('modelling'), 'model');
  assert.equal(stem('images'), stem('image'));
  assert.equal(stem('classes'), 'class');
  assert.equal(stem('loss'), 'loss');
  assert.equal(stem('analysis'), 'analysis');
  assert.equal(stem('policies'), 'policy');
  assert.equal(stem('gpt'), 'gpt');
  assert.deepEqual(terms('The transformers of a diffusion'), ['transformer', 'diffusion']);
});

test('the votes line says the growth honestly, and nothing about growth it does not know', () => {
  assert.equal(votesLine({ upvotes: 64, upvotesLast24h: 41 }), '▲ 64 · +41 today');
  assert.equal(votesLine({ upvotes: 64, upvotesLast24h: null }), '▲ 64 today');
  assert.equal(votesLine({ upvotes: 64, upvotesLast24h: 0 }), '▲ 64 today');
  assert.equal(votesLine({ upvotes: 3, upvotesLast24h: 3 }), '▲ 3 today', 'all its votes are from today: no separate growth');
  assert.equal(votesLine({ upvotes: 1200, upvotesLast24h: 300 }), '▲ 1,200 · +300 today');
});
