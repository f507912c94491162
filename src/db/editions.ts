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
  'list-editions',
  'recent-editions-with-open-deliveries',
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
}

export interface NewEdition {
  editionDate: string;
  title: string;
  subject: string;
  papers: readonly EditionPaper[];
  htmlTemplate: string;
  textTemplate: string;
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

export async function markEditionFannedOut(db: Queryable, editionId: number): Promise<void> {
  await db.query(sql['mark-edition-fanned-out'], [editionId]);
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
