// Trending re-ranked by taste (src/digest/taste.ts): pure, deterministic, explainable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasTaste, NO_TASTE, rankForReader, stem, terms, votesLine, type Candidate, type ReaderTaste } from '../src/digest/taste.ts';

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

test('each setting on its own is taste: an excluded topic, a followed author, "only my topics" with none named', () => {
  assert.deepEqual(ids(rankForReader(pool, taste({ exclude: ['diffusion'] }), { size: 10, tasteWeight: 1 })), [1, 3, 5]);
  const following = rankForReader(pool, taste({ authors: ['Ada Lovelace'] }), { size: 1, tasteWeight: 1 });
  assert.deepEqual(ids(following), [5], 'the followed author takes the one place, though four papers trend more');
  assert.deepEqual(
    rankForReader(pool, taste({ onlyTopics: true }), { size: 10, tasteWeight: 1 }),
    [],
    'no topics, no followed author: nothing',
  );
  const included = rankForReader(pool, taste({ include: ['protein'] }), { size: 10, tasteWeight: 1 });
  assert.equal(included[0]!.paper.id, 5, 'an included topic alone lifts its paper');
});

test('a topic made only of common words matches nothing: it neither removes nor lifts any paper', () => {
  assert.deepEqual(ids(rankForReader(pool, taste({ exclude: ['the', 'of a'] }), { size: 10, tasteWeight: 1 })), [1, 2, 3, 4, 5]);
  assert.deepEqual(rankForReader(pool, taste({ include: ['and the'], onlyTopics: true }), { size: 10, tasteWeight: 1 }), []);
});

test('a topic matches only when every word of it is in the paper, in any form (plural, -ing)', () => {
  const ranked = rankForReader(pool, taste({ include: ['video transformer'], onlyTopics: true }), { size: 10, tasteWeight: 1 });
  assert.deepEqual(ids(ranked), [4], '"Video diffusion transformers" has both words');
  assert.deepEqual(rankForReader(pool, taste({ include: ['video reward'], onlyTopics: true }), { size: 10, tasteWeight: 1 }), []);
  const keyword = paper(6, 'Untitled', 'Nothing to see.', 1, { keywords: ['graph neural networks'] });
  assert.deepEqual(
    ids(rankForReader([keyword], taste({ include: ['graph network'], onlyTopics: true }), { size: 1, tasteWeight: 1 })),
    [6],
    'keywords count',
  );
});

test('a followed author is matched whatever the case and the spaces around the name', () => {
  const ranked = rankForReader(pool, taste({ authors: ['  ADA LOVELACE '] }), { size: 1, tasteWeight: 1 });
  assert.equal(ranked[0]!.why, 'by Ada Lovelace, whom you follow');
  const anonymous = paper(7, 'A paper with no author list', 'Diffusion.', 20, { authors: undefined });
  assert.deepEqual(ids(rankForReader([anonymous], taste({ authors: ['Ada Lovelace'] }), { size: 1, tasteWeight: 1 })), [7]);
});

test('when followed authors fill more than the size, the best of them are kept, in score order', () => {
  const many = [
    paper(11, 'First by Ada', 'Graphs.', 3, { authors: ['Ada Lovelace'] }),
    paper(12, 'Second by Ada', 'Graphs.', 5, { authors: ['Ada Lovelace'] }),
    paper(13, 'Third by Ada', 'Graphs.', 4, { authors: ['Ada Lovelace'] }),
    paper(14, 'Trending most, by someone else', 'Graphs.', 50),
  ];
  assert.deepEqual(ids(rankForReader(many, taste({ authors: ['Ada Lovelace'] }), { size: 2, tasteWeight: 1 })), [12, 13]);
  // Followed authors come first whatever their score; with room left, the rest fill it, all in score order.
  assert.deepEqual(ids(rankForReader(many, taste({ authors: ['Ada Lovelace'] }), { size: 3, tasteWeight: 1 })), [12, 13, 11]);
  assert.deepEqual(ids(rankForReader(many, taste({ authors: ['Ada Lovelace'] }), { size: 4, tasteWeight: 1 })), [14, 12, 13, 11]);
});

test('the why line: a followed author before a topic, a topic before a liked paper; never "you liked" for a paper unlike any', () => {
  const byAdaOnProteins = rankForReader(pool, taste({ authors: ['Ada Lovelace'], include: ['protein'] }), { size: 5, tasteWeight: 1 });
  assert.equal(byAdaOnProteins.find((entry) => entry.paper.id === 5)!.why, 'by Ada Lovelace, whom you follow');
  const topicAndLike = rankForReader(pool, taste({ liked: likedDiffusion, include: ['video'] }), { size: 5, tasteWeight: 1 });
  assert.equal(topicAndLike.find((entry) => entry.paper.id === 4)!.why, 'matches video');
  const diffusionReader = rankForReader(pool, taste({ liked: likedDiffusion }), { size: 5, tasteWeight: 1 });
  assert.equal(
    diffusionReader.find((entry) => entry.paper.id === 5)!.why,
    '▲ 8 today',
    'protein folding is like none of the diffusion papers',
  );
});

test('a paper the reader liked that trends again is not explained by itself', () => {
  const again = { ...likedDiffusion[0]!, trendingScore: 12, upvotes: 12 };
  const ranked = rankForReader([again, ...pool], taste({ liked: likedDiffusion }), { size: 6, tasteWeight: 1 });
  const why = ranked.find((entry) => entry.paper.id === again.id)!.why;
  assert.doesNotMatch(why, /Denoising diffusion probabilistic models/);
});

test('similarity stays within [-1, 1], so at weight 1 a paper gets at most twice its trending score and never less than 0', () => {
  const twin = paper(21, likedDiffusion[0]!.title, likedDiffusion[0]!.abstract, 10, { keywords: ['diffusion'] });
  const foe = paper(22, likedRl[0]!.title, likedRl[0]!.abstract, 10);
  const [liked, disliked] = [[likedDiffusion[0]!], [likedRl[0]!]];
  const ranked = rankForReader([twin, foe, ...pool], taste({ liked, disliked, include: ['diffusion'] }), { size: 7, tasteWeight: 1 });
  const twinRanked = ranked.find((entry) => entry.paper.id === 21)!;
  assert.deepEqual([twinRanked.similarity, twinRanked.score], [1, 20], 'as liked as can be, and on a topic: capped at 1');
  for (const entry of ranked) {
    assert.ok(entry.similarity >= -1 && entry.similarity <= 1, `${entry.paper.id}: ${entry.similarity}`);
    assert.ok(entry.score >= -1e-9 && entry.score <= 2 * entry.paper.trendingScore, `${entry.paper.id}: ${entry.score}`);
  }
  assert.equal(ranked.at(-1)!.paper.id, 22, 'the twin of a disliked paper comes last');
});

test('equal trending scores are ordered by id, whatever order the candidates come in', () => {
  const tied = [paper(33, 'C', 'c', 5), paper(31, 'A', 'a', 5), paper(32, 'B', 'b', 5)];
  assert.deepEqual(ids(rankForReader(tied, NO_TASTE, { size: 3, tasteWeight: 1 })), [31, 32, 33]);
  assert.deepEqual(ids(rankForReader(tied, taste({ exclude: ['zebra'] }), { size: 3, tasteWeight: 1 })), [31, 32, 33]);
});

test('papers whose every word all the others share still rank, in trending order, with finite scores', () => {
  const same = [paper(41, 'Diffusion', 'Diffusion.', 3), paper(42, 'Diffusion', 'Diffusion.', 4)];
  const ranked = rankForReader(same, taste({ liked: [paper(43, 'Diffusion', 'Diffusion.', 0)] }), { size: 2, tasteWeight: 1 });
  assert.deepEqual(ids(ranked), [42, 41]);
  assert.ok(ranked.every((entry) => Number.isFinite(entry.score) && Number.isFinite(entry.similarity)));
});

test('a title weighs more than a passing mention in the abstract', () => {
  const candidates = [
    paper(51, 'Graph transformers', 'We study attention on molecules.', 5),
    paper(52, 'Attention on molecules', 'We study graph transformers.', 5.1),
    paper(54, 'Protein folding', 'Structure prediction.', 1),
    paper(55, 'Speech recognition', 'Audio.', 1),
  ];
  const liked = [paper(53, 'Graph transformers at scale', 'Attention for protein graphs.', 0)];
  assert.equal(rankForReader(candidates, taste({ liked }), { size: 2, tasteWeight: 1 })[0]!.paper.id, 51);
});

test('stemming keeps short words and -ss/-us/-is words whole, and meets -es and -ing forms', () => {
  for (const word of ['bias', 'gans', 'process', 'corpus', 'thesis', 'nation', 'string', 'thing']) assert.equal(stem(word), word, word);
  assert.equal(stem('boxes'), 'box');
  assert.equal(stem('matches'), 'match');
  assert.equal(stem('meshes'), 'mesh');
  assert.equal(stem('buzzes'), 'buzz');
  assert.equal(stem('testing'), 'test');
  assert.equal(stem('running'), 'run');
  assert.equal(stem('regularization'), stem('regular'));
  assert.equal(stem('adaptation'), stem('adapt'));
});

test('terms: letters and digits of any script, one-character tokens and punctuation dropped', () => {
  assert.deepEqual(terms('Llama-3 70B: Schrödinger équation, x = y!'), ['llama', '70b', 'schrödinger', 'équation']);
  assert.deepEqual(terms('?!… —'), []);
});

test('no taste is no taste, and a reader without it gets only as many papers as asked', () => {
  assert.equal(hasTaste(NO_TASTE), false);
  assert.deepEqual(ids(rankForReader(pool, NO_TASTE, { size: 3, tasteWeight: 1 })), [1, 2, 3]);
});

test('words every abstract uses say nothing about a reader’s taste', () => {
  assert.deepEqual(terms('We propose a new model and method using these data, which show results over other tasks'), []);
});

test('stemming cuts only at the end of a word, and undoubles only the last letter', () => {
  assert.equal(stem('chessboard'), 'chessboard');
  assert.equal(stem('committing'), stem('commit'));
  // A plural of an -ing noun is the same word: a topic "embedding" matches a paper on "embeddings".
  assert.equal(stem('embeddings'), stem('embedding'));
  assert.equal(stem('settings'), stem('setting'));
  assert.equal(stem('encodings'), stem('encoding'));
  assert.equal(stem('passing'), 'pass');
  assert.equal(stem('filling'), 'fill');
});

test('keywords count as words of the paper, each its own', () => {
  const tagged = paper(8, 'Untitled', 'Nothing to see.', 1, { keywords: ['graphs', 'neural networks'] });
  assert.deepEqual(ids(rankForReader([tagged], taste({ include: ['graph'], onlyTopics: true }), { size: 1, tasteWeight: 1 })), [8]);
});

test('a followed author is matched whatever spaces the paper’s author list carries', () => {
  const spaced = paper(9, 'Spaced', 'Names.', 1, { authors: ['  Ada Lovelace '] });
  assert.deepEqual(ids(rankForReader([...pool, spaced], taste({ authors: ['ada lovelace'] }), { size: 2, tasteWeight: 1 })).sort(), [5, 9]);
});

test('a paper that lost votes today shows no growth in its why line', () => {
  assert.equal(votesLine({ upvotes: 64, upvotesLast24h: -2 }), '▲ 64 today');
});

test('the why line names the liked paper closest to this one, not merely the last one liked', () => {
  const ranked = rankForReader(pool, taste({ liked: [likedDiffusion[0]!, likedRl[0]!] }), { size: 5, tasteWeight: 1 });
  assert.equal(ranked.find((entry) => entry.paper.id === 2)!.why, `you liked “${likedDiffusion[0]!.title}”`);
  assert.equal(ranked.find((entry) => entry.paper.id === 1)!.why, `you liked “${likedRl[0]!.title}”`);
});

test('a rare word shared with a liked paper counts for more than one nearly every paper uses', () => {
  const candidates = [
    paper(61, 'Mamba for vision', 'Vision.', 5),
    paper(62, 'Language agents', 'Language.', 5),
    paper(63, 'Language translation', 'Translation.', 1),
    paper(64, 'Language reasoning', 'Reasoning.', 1),
    paper(65, 'Language safety', 'Safety.', 1),
  ];
  const liked = [paper(66, 'Mamba language models', 'Mamba language.', 0)];
  assert.equal(rankForReader(candidates, taste({ liked }), { size: 2, tasteWeight: 1 })[0]!.paper.id, 61);
});

test('papers with equal scores keep the trending order, however many tie', () => {
  const tied = [36, 35, 34, 33, 32, 31].map((id) => paper(id, `Tied ${id}`, 'Same.', 5));
  assert.deepEqual(ids(rankForReader(tied, taste({ exclude: ['zebra'] }), { size: 6, tasteWeight: 1 })), [31, 32, 33, 34, 35, 36]);
  const followedToo = tied.map((candidate) => (candidate.id % 2 ? { ...candidate, authors: ['Ada Lovelace'] } : candidate));
  assert.deepEqual(
    ids(rankForReader(followedToo, taste({ authors: ['Ada Lovelace'] }), { size: 6, tasteWeight: 1 })),
    [31, 32, 33, 34, 35, 36],
  );
});

test('a reader asking for two papers gets the two their taste ranks highest, not the two that trend most', () => {
  assert.deepEqual(ids(rankForReader(pool, taste({ liked: likedDiffusion }), { size: 2, tasteWeight: 2 })).sort(), [2, 4]);
  // Among followed authors too: taste picks which of them fill the places.
  const followed = pool.map((candidate) => ({ ...candidate, authors: ['Ada Lovelace'] }));
  assert.deepEqual(
    ids(rankForReader(followed, taste({ liked: likedDiffusion, authors: ['Ada Lovelace'] }), { size: 1, tasteWeight: 2 })),
    [2],
  );
});
