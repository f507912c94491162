// Trending re-ranked by a reader's taste: pure, deterministic and explainable (no I/O, no model to download).
// The community's list stays the backbone (trending score); a reader's ratings and topics only tilt it:
//   score = trending_score × (1 + tasteWeight × similarity(reader, paper)),   similarity ∈ [-1, 1]
// Similarity is cosine similarity of tf-idf vectors over title, abstract and keywords (arxiv-sanity's idea,
// without the SVM): towards the papers the reader liked, away from those they disliked, plus their topics.

/** The text of a paper that taste compares. */
export interface PaperText {
  id: number;
  title: string;
  abstract: string;
  keywords?: readonly string[];
  authors?: readonly string[];
}

export interface Candidate extends PaperText {
  /** The paper's trending score in today's pool (higher is better). */
  trendingScore: number;
  /** Votes and growth, for the default why line ("▲ 64 today" / "▲ 64 · +41 today"). */
  upvotes: number;
  upvotesLast24h?: number | null;
}

export interface ReaderTaste {
  liked: readonly PaperText[];
  disliked: readonly PaperText[];
  /** Keywords to favour. */
  include: readonly string[];
  /** Keywords to leave out: a paper matching one never appears. */
  exclude: readonly string[];
  /** Only papers on the reader's topics (or by followed authors). */
  onlyTopics: boolean;
  /** Authors whose papers are always included when they trend at all. */
  authors: readonly string[];
}

export interface RankedPaper<C extends Candidate = Candidate> {
  paper: C;
  score: number;
  similarity: number;
  /** One line saying why the paper is there. */
  why: string;
}

export const NO_TASTE: ReaderTaste = { liked: [], disliked: [], include: [], exclude: [], onlyTopics: false, authors: [] };

const STOPWORDS = new Set(
  (
    'a an and are as at be by can for from has have in into is it its of on or our that the their this to we with ' +
    'which while using use used via based new show shows propose proposed paper approach method methods results ' +
    'model models task tasks data also than these those such both more most not only over each other'
  ).split(' '),
);

/**
 * A light English stemmer: enough that "models", "modelling" and "model" meet, "embeddings" and "embedding" too,
 * and never two words into one. The plural goes first, then one suffix; a doubled final consonant left by the
 * suffix is undoubled ("running" → "run"), except "ss" ("passing" → "pass") and a short "ll" ("filling" → "fill").
 */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  const singular = singularOf(word);
  for (const suffix of ['ization', 'ation', 'ing']) {
    if (singular.endsWith(suffix) && singular.length - suffix.length >= 4) return undoubled(singular.slice(0, -suffix.length));
  }
  return singular;
}

function singularOf(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) return word.slice(0, -1);
  return word;
}

const undoubled = (base: string) =>
  base.endsWith('ss') || (base.endsWith('ll') && base.length < 6) ? base : base.replace(/(\w)\1$/, '$1');

/** Lower-cased stemmed words of a text, stopwords and one-letter tokens dropped. */
export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => word.length > 1 && !STOPWORDS.has(word)).map(stem);
}

const textOf = (paper: PaperText) => `${paper.title} ${paper.title} ${paper.abstract} ${(paper.keywords ?? []).join(' ')}`;

type Vector = Map<string, number>;

// A paper's terms, counted once per paper object: the same pool is ranked for every reader of an edition, and
// tokenising its abstracts is most of the work.
const countsOf = new WeakMap<PaperText, Map<string, number>>();
function termCounts(paper: PaperText): Map<string, number> {
  let counts = countsOf.get(paper);
  if (!counts) {
    counts = new Map<string, number>();
    for (const term of terms(textOf(paper))) counts.set(term, (counts.get(term) ?? 0) + 1);
    countsOf.set(paper, counts);
  }
  return counts;
}

function normalise(vector: Vector): Vector {
  let norm = 0;
  for (const weight of vector.values()) norm += weight * weight;
  norm = Math.sqrt(norm);
  if (norm === 0) return vector;
  for (const [term, weight] of vector) vector.set(term, weight / norm);
  return vector;
}

function cosine(a: Vector, b: Vector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [term, weight] of small) dot += weight * (large.get(term) ?? 0);
  return dot;
}

/** The unit-length mean direction of some vectors (empty: the zero vector, similar to nothing). */
function centroid(vectors: readonly Vector[]): Vector {
  const sum: Vector = new Map();
  for (const vector of vectors) for (const [term, weight] of vector) sum.set(term, (sum.get(term) ?? 0) + weight);
  return normalise(sum);
}

/** How much naming a topic counts, against a similarity in [-1, 1]: as much as a close match to what one liked. */
const TOPIC_BONUS = 0.5;

/** tf-idf vectors (unit length) for every paper, with document frequencies counted over all of them. */
export function tfidfVectors(papers: readonly PaperText[]): Map<number, Vector> {
  const counts = papers.map((paper) => [paper.id, termCounts(paper)] as const);
  const documentFrequency = new Map<string, number>();
  for (const [, paperCounts] of counts)
    for (const term of paperCounts.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const total = counts.length;
  // Each term's idf once, not once per paper it is in.
  const idf = new Map<string, number>();
  for (const [term, frequency] of documentFrequency) idf.set(term, Math.log((1 + total) / (1 + frequency)));
  const vectors = new Map<number, Vector>();
  for (const [id, paperCounts] of counts) {
    const vector: Vector = new Map();
    for (const [term, count] of paperCounts) vector.set(term, (1 + Math.log(count)) * idf.get(term)!);
    vectors.set(id, normalise(vector));
  }
  return vectors;
}

/** The first of `keywords` a paper is about (every word of the keyword among the paper's terms), if any. */
function topicMatcher(keywords: readonly string[]): (paper: PaperText) => string | undefined {
  const wanted = keywords.map((keyword) => ({ keyword, terms: terms(keyword) })).filter((entry) => entry.terms.length > 0);
  if (wanted.length === 0) return () => undefined;
  return (paper) => {
    const paperTerms = termCounts(paper);
    return wanted.find((entry) => entry.terms.every((term) => paperTerms.has(term)))?.keyword;
  };
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const followedAuthor = (paper: PaperText, authors: readonly string[]) =>
  (paper.authors ?? []).find((name) => authors.some((followed) => sameName(followed, name)));

const numbers = new Intl.NumberFormat('en-US');
const count = (value: number) => numbers.format(value);

/** "▲ 64 today" or "▲ 64 · +41 today": the community's reason. */
export function votesLine(paper: Pick<Candidate, 'upvotes' | 'upvotesLast24h'>): string {
  const gained = paper.upvotesLast24h;
  return gained && gained > 0 && gained < paper.upvotes
    ? `▲ ${count(paper.upvotes)} · +${count(gained)} today`
    : `▲ ${count(paper.upvotes)} today`;
}

export function hasTaste(taste: ReaderTaste): boolean {
  return (
    taste.liked.length + taste.disliked.length + taste.include.length + taste.exclude.length + taste.authors.length > 0 || taste.onlyTopics
  );
}

/**
 * Orders today's candidates for one reader and keeps the first `size`. Excluded topics never appear; followed
 * authors' papers always do (whatever their score); with `onlyTopics`, only papers on a topic (or by a
 * followed author) remain, which may be none. A reader without taste gets the trending order unchanged.
 * Ties keep the trending order, so the result is deterministic.
 */
export function rankForReader<C extends Candidate>(
  candidates: readonly C[],
  taste: ReaderTaste,
  options: { size: number; tasteWeight: number },
): RankedPaper<C>[] {
  const trendingOrder = [...candidates].sort((a, b) => b.trendingScore - a.trendingScore || a.id - b.id);
  if (!hasTaste(taste)) {
    return trendingOrder
      .slice(0, options.size)
      .map((paper) => ({ paper, score: paper.trendingScore, similarity: 0, why: votesLine(paper) }));
  }
  const vectors = tfidfVectors([...trendingOrder, ...taste.liked, ...taste.disliked]);
  const likedVectors = taste.liked.map((paper) => ({ paper, vector: vectors.get(paper.id)! }));
  // What the reader likes as a whole (the centroid of their liked papers), and what they do not.
  const likedCentroid = centroid(likedVectors.map((liked) => liked.vector));
  const dislikedCentroid = centroid(taste.disliked.map((paper) => vectors.get(paper.id)!));
  const excluded = topicMatcher(taste.exclude);
  const included = topicMatcher(taste.include);
  const ranked = trendingOrder.flatMap((paper, position): (RankedPaper<C> & { position: number; followed: boolean })[] => {
    if (excluded(paper)) return [];
    const author = followedAuthor(paper, taste.authors);
    const topic = included(paper);
    if (taste.onlyTopics && !topic && !author) return [];
    const vector = vectors.get(paper.id)!;
    // The liked paper this one is closest to names the why line.
    let closest: { paper: PaperText; similarity: number } | undefined;
    for (const liked of likedVectors) {
      if (liked.paper.id === paper.id) continue;
      const similarity = cosine(vector, liked.vector);
      if (!closest || similarity > closest.similarity) closest = { paper: liked.paper, similarity };
    }
    const similarity = Math.max(
      -1,
      Math.min(1, cosine(vector, likedCentroid) - cosine(vector, dislikedCentroid) + (topic ? TOPIC_BONUS : 0)),
    );
    const score = paper.trendingScore * (1 + options.tasteWeight * similarity);
    const why = author
      ? `by ${author}, whom you follow`
      : topic
        ? `matches ${topic}`
        : closest && closest.similarity >= 0.1
          ? `you liked “${closest.paper.title}”`
          : votesLine(paper);
    return [{ paper, score, similarity, why, position, followed: author !== undefined }];
  });
  const byScore = (a: (typeof ranked)[number], b: (typeof ranked)[number]) => b.score - a.score || a.position - b.position;
  // Followed authors' papers are in whatever their score; the rest fill the places left, best first.
  const followed = ranked
    .filter((entry) => entry.followed)
    .sort(byScore)
    .slice(0, options.size);
  const others = ranked
    .filter((entry) => !entry.followed)
    .sort(byScore)
    .slice(0, options.size - followed.length);
  return [...followed, ...others].sort(byScore).map(({ paper, score, similarity, why }) => ({ paper, score, similarity, why }));
}
