// The editions store: one edition per calendar day, frozen when built (papers and rendered templates never
// change after), and the papers each one carried.
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';
import type { TrendingPaper } from './trending.ts';

const sql = loadQueries('editions.sql', [
  'lock-edition-builds',
  'find-edition-by-date',
  'find-edition-by-id',
  'insert-edition',
  'insert-edition-papers',
  'mark-edition-fanned-out',
  'record-slot-run',
  'last-slot-run-before',
  'list-editions',
  'recent-editions-with-open-deliveries',
  'list-edition-summaries',
  'list-recent-editions',
  'adjacent-edition-dates',
  'find-week-materials',
]);

/** What an edition freezes of each paper: the email and the archive page show only these, forever. */
export const EDITION_PAPER_FIELDS = [
  'id',
  'externalId',
  'title',
  'abstract',
  'authors',
  'url',
  'codeUrl',
  'projectUrl',
  'githubStars',
  'aiSummary',
  'upvotes',
  'upvotesLast24h',
  'score',
] as const satisfies readonly (keyof TrendingPaper)[];

/** Fields editions frozen before this wave lack (undefined there): readers treat a missing one as unknown. */
type AddedLater = 'aiSummary' | 'upvotesLast24h';

/** A paper as an edition froze it (the `papers` jsonb snapshot). */
export type EditionPaper = Pick<TrendingPaper, Exclude<(typeof EDITION_PAPER_FIELDS)[number], AddedLater>> &
  Partial<Pick<TrendingPaper, AddedLater>> & { rank: number };

/** A candidate of the edition's frozen pool, with the text taste compares (src/digest/taste.ts). */
export interface PoolPaper {
  id: number;
  title: string;
  abstract: string;
  keywords: string[];
  authors: string[];
  trendingScore: number;
  upvotes: number;
  upvotesLast24h: number | null;
}

/** One pool paper rendered once: as a card and a row (HTML), featured and compact (text), with its slots. */
export interface PaperBlocks {
  card: string;
  row: string;
  textFeatured: string;
  textCompact: string;
  /** The title shortened for a Subject line, and the TL;DR for the inbox preview, when the paper leads. */
  subjectLead: string;
  preview: string;
}

/** What a reader's own digest is assembled from (src/digest/assemble.ts): MJML compiled once, blocks rendered once. */
export interface DigestKit {
  htmlSkeleton: string;
  textSkeleton: string;
  /** Between the cards and the rows. */
  alsoRising: string;
  blocks: Record<string, PaperBlocks>;
}

export interface Edition {
  id: number;
  editionDate: string;
  title: string;
  subject: string;
  papers: EditionPaper[];
  htmlTemplate: string;
  textTemplate: string;
  createdAt: Date;
  fannedOutAt: Date | null;
  /** Only read by id; null for editions built before personal digests. */
  pool?: PoolPaper[] | null;
  kit?: DigestKit | null;
}

export interface NewEdition {
  editionDate: string;
  title: string;
  subject: string;
  papers: readonly EditionPaper[];
  htmlTemplate: string;
  textTemplate: string;
  pool?: readonly PoolPaper[];
  kit?: DigestKit;
}

export async function findEditionByDate(db: Queryable, editionDate: string): Promise<Edition | undefined> {
  const { rows } = await db.query<Edition>(sql['find-edition-by-date'], [editionDate]);
  return rows[0];
}

export async function findEditionById(db: Queryable, id: number): Promise<Edition | undefined> {
  const { rows } = await db.query<Edition>(sql['find-edition-by-id'], [id]);
  return rows[0];
}

export async function listEditions(db: Queryable, limit = 60): Promise<{ editionDate: string; title: string; paperCount: number }[]> {
  const { rows } = await db.query<{ editionDate: string; title: string; paperCount: number }>(sql['list-editions'], [limit]);
  return rows;
}

export interface EditionSummary {
  editionDate: string;
  paperCount: number;
  /** The first few titles, in rank order, as frozen (raw: LaTeX and all). */
  topTitles: string[];
}

/** The archive list, newest first: each edition's date, size and first `titles` titles. */
export async function listEditionSummaries(db: Queryable, limit = 90, titles = 3): Promise<EditionSummary[]> {
  const { rows } = await db.query<EditionSummary>(sql['list-edition-summaries'], [limit, titles]);
  return rows;
}

export type PublishedEdition = Pick<Edition, 'editionDate' | 'title' | 'papers' | 'createdAt'>;

/** The newest editions with their papers (the feeds, the subscribe page's sample), newest first. */
export async function listRecentEditions(db: Queryable, limit: number): Promise<PublishedEdition[]> {
  const { rows } = await db.query<PublishedEdition>(sql['list-recent-editions'], [limit]);
  return rows;
}

/** The nearest edition dates before and after `editionDate` (null at either end of the archive). */
export async function adjacentEditionDates(db: Queryable, editionDate: string): Promise<{ previous: string | null; next: string | null }> {
  const { rows } = await db.query<{ previous: string | null; next: string | null }>(sql['adjacent-edition-dates'], [editionDate]);
  return rows[0] ?? { previous: null, next: null };
}

export async function markEditionFannedOut(db: Queryable, editionId: number): Promise<void> {
  await db.query(sql['mark-edition-fanned-out'], [editionId]);
}

/** An hourly run served the UTC hour starting `slotStart` with the edition. */
export async function recordSlotRun(db: Queryable, slotStart: Date, editionId: number): Promise<void> {
  await db.query(sql['record-slot-run'], [slotStart, editionId]);
}

/** The latest UTC hour before `slotStart` that a run served; null when none is recorded (a new install). */
export async function lastSlotRunBefore(db: Queryable, slotStart: Date): Promise<Date | null> {
  const { rows } = await db.query<{ slotStart: Date | null }>(sql['last-slot-run-before'], [slotStart]);
  return rows[0]?.slotStart ?? null;
}

/** Editions of the last few days before `today` that still have open deliveries (the recovery sweep's work). */
export async function editionsWithOpenDeliveries(db: Queryable, today: string): Promise<{ id: number; editionDate: string }[]> {
  const { rows } = await db.query<{ id: number; editionDate: string }>(sql['recent-editions-with-open-deliveries'], [today]);
  return rows;
}

/** Serialises edition builds until the transaction ends (the trending pick excludes papers already in one). */
export async function lockEditionBuilds(db: Queryable): Promise<void> {
  await db.query(sql['lock-edition-builds']);
}

/** Inserts the edition and its edition_papers rows; undefined when the date has one already. */
export async function insertEdition(db: Queryable, edition: NewEdition): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(sql['insert-edition'], [
    edition.editionDate,
    edition.title,
    edition.subject,
    JSON.stringify(edition.papers),
    edition.htmlTemplate,
    edition.textTemplate,
    edition.pool ? JSON.stringify(edition.pool) : null,
    edition.kit ? JSON.stringify(edition.kit) : null,
  ]);
  const id = rows[0]?.id;
  if (id === undefined) return undefined;
  await db.query(sql['insert-edition-papers'], [
    id,
    edition.papers.map((paper) => paper.id),
    edition.papers.map((paper) => paper.rank),
    edition.papers.map((paper) => paper.score),
  ]);
  return id;
}

/** The pools and kits of the week ending on `editionDate`, newest first. */
export async function findWeekMaterials(
  db: Queryable,
  editionDate: string,
): Promise<{ editionDate: string; pool: PoolPaper[]; kit: DigestKit }[]> {
  const { rows } = await db.query<{ editionDate: string; pool: PoolPaper[]; kit: DigestKit }>(sql['find-week-materials'], [editionDate]);
  return rows;
}
