// Parsing the Hugging Face Daily Papers listing (GET /api/daily_papers): pure, no I/O.
// Accepts a JSON array of entries or JSON Lines of the same entries; unknown fields are ignored.
import { z } from 'zod';
import type { PaperInput } from '../db/papers.ts';
import { capLength, cleanText, oneLine } from '../text/clean.ts';
import { httpUrl } from '../text/url.ts';
import { isArxivId, isSyntheticId } from './links.ts';

export type { PaperInput };

export interface RejectedEntry {
  /** 1-based: the entry's index in a JSON array, or its line in JSON Lines. */
  position: number;
  /** "entry 3" or "line 3", for messages. */
  where: string;
  reason: string;
}

export interface ParsedListing {
  format: 'json' | 'jsonl';
  papers: PaperInput[];
  rejected: RejectedEntry[];
}

/** The input is neither a JSON array nor JSON Lines: nothing in it can be trusted, nothing is loaded. */
export class MalformedListingError extends Error {
  override name = 'MalformedListingError';
}

// zod's default messages ("expected string, received undefined") read badly in a CLI report.
const requiredText = z
  .string({ error: (issue) => (issue.input === undefined || issue.input === null ? 'is missing' : 'must be a string') })
  .trim()
  .min(1, 'is empty');
const optionalText = z.string().nullish();
// Counts go in PostgreSQL integers: a larger one (upvotes of 3e9) is clamped rather than failing the batch.
const INT4_MAX = 2 ** 31 - 1;
const count = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must not be negative')
  .transform((value) => Math.min(value, INT4_MAX))
  .nullish();
// Year 0 and +275760 are JavaScript dates but not PostgreSQL ones, and no paper was listed then.
const EARLIEST_YEAR = 1900;
const LATEST_YEAR = 9999;
const timestamp = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be a date')
  .refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= EARLIEST_YEAR && year <= LATEST_YEAR;
  }, `must be a date between the years ${EARLIEST_YEAR} and ${LATEST_YEAR}`)
  .nullish();

/**
 * Longest fields kept, in characters. A title of 100 KB made a digest of 893 KB, which Gmail clips (past 102 KB),
 * hiding the unsubscribe footer; nothing real comes near these.
 */
export const FIELD_LIMITS = {
  id: 100,
  title: 300,
  abstract: 5_000,
  authorName: 120,
  authors: 100,
  aiSummary: 1_000,
  keyword: 60,
  keywords: 20,
  url: 2_000,
} as const;

const authorSchema = z.object({ name: z.string(), hidden: z.boolean().nullish() });

const paperSchema = z.object(
  {
    id: requiredText.pipe(z.string().max(FIELD_LIMITS.id, `is longer than ${FIELD_LIMITS.id} characters`)),
    title: z.string().nullish(),
    summary: optionalText,
    authors: z.array(authorSchema).nullish(),
    publishedAt: timestamp,
    submittedOnDailyAt: timestamp,
    upvotes: count,
    githubRepo: optionalText,
    githubStars: count,
    projectPage: optionalText,
    ai_summary: optionalText,
    ai_keywords: z.array(z.string()).nullish(),
  },
  { error: (issue) => (issue.input === undefined || issue.input === null ? 'is missing' : 'must be an object') },
);

const entrySchema = z.object(
  {
    paper: paperSchema,
    title: optionalText,
    summary: optionalText,
    thumbnail: optionalText,
    numComments: count,
    /** When the entry was listed (older API shape, without paper.submittedOnDailyAt). */
    publishedAt: timestamp,
  },
  { error: () => 'must be an object' },
);

type Entry = z.infer<typeof entrySchema>;

/** Where a paper's link points: arXiv for arXiv ids; demo ids get an arXiv title search; else its HF page. */
export function paperUrl(externalId: string, title: string): string {
  if (isArxivId(externalId)) return `https://arxiv.org/abs/${externalId}`;
  if (isSyntheticId(externalId)) {
    return `https://arxiv.org/search/?searchtype=title&query=${encodeURIComponent(title)}`;
  }
  return `https://huggingface.co/papers/${encodeURIComponent(externalId)}`;
}

function toDate(value: string | null | undefined): Date | null {
  return value ? new Date(value) : null;
}

function link(value: string | null | undefined): string | null {
  return value && value.length <= FIELD_LIMITS.url ? httpUrl(value) : null;
}

function toPaper(entry: Entry): PaperInput | string {
  const { paper } = entry;
  const title = capLength(oneLine(paper.title ?? entry.title ?? ''), FIELD_LIMITS.title);
  if (!title) return 'paper.title is missing';
  const externalId = paper.id;
  return {
    externalId,
    title,
    abstract: capLength((paper.summary ?? entry.summary ?? '').trim(), FIELD_LIMITS.abstract),
    // Hidden is a Hugging Face profile display setting, not "not an author": hidden authors are kept.
    authors: (paper.authors ?? [])
      .map((author) => capLength(oneLine(author.name), FIELD_LIMITS.authorName))
      .filter(Boolean)
      .slice(0, FIELD_LIMITS.authors),
    url: paperUrl(externalId, title),
    codeUrl: link(paper.githubRepo),
    projectUrl: link(paper.projectPage),
    githubStars: paper.githubStars ?? null,
    thumbnailUrl: link(entry.thumbnail),
    numComments: entry.numComments ?? null,
    aiSummary: capLength(paper.ai_summary?.trim() ?? '', FIELD_LIMITS.aiSummary) || null,
    keywords: (paper.ai_keywords ?? [])
      .map((keyword) => capLength(oneLine(keyword), FIELD_LIMITS.keyword))
      .filter(Boolean)
      .slice(0, FIELD_LIMITS.keywords),
    publishedAt: toDate(paper.publishedAt),
    // When the paper was listed on Daily Papers: paper.submittedOnDailyAt, or in the older API shape the entry's
    // own publishedAt. paper.publishedAt is the arXiv date (days earlier), only the last resort.
    listedAt: toDate(paper.submittedOnDailyAt) ?? toDate(entry.publishedAt) ?? toDate(paper.publishedAt),
    upvotes: paper.upvotes ?? 0,
  };
}

/** Every string in a decoded value cleaned (NUL, lone surrogates, bidi controls), whatever field it is in. */
function cleanStrings(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanStrings);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, cleanStrings(inner)]));
  }
  return value;
}

/** Validates one decoded entry: the paper, or why it was rejected. */
export function readEntry(value: unknown): PaperInput | string {
  const result = entrySchema.safeParse(cleanStrings(value));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.join('.');
    return path ? `${path} ${issue.message}` : `entry ${issue.message}`;
  }
  return toPaper(result.data);
}

function decodeLines(text: string): { values: { position: number; value: unknown }[]; rejected: RejectedEntry[] } {
  const values: { position: number; value: unknown }[] = [];
  const rejected: RejectedEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    const position = index + 1;
    try {
      values.push({ position, value: JSON.parse(line) });
    } catch (error) {
      rejected.push({ position, where: `line ${position}`, reason: `not valid JSON (${(error as Error).message})` });
    }
  });
  return { values, rejected };
}

/**
 * Parses a listing. Bad entries are reported with their position and left out; a listing that is not
 * JSON at all (truncated array, HTML error page) throws MalformedListingError. Later duplicates win.
 */
export function parseDailyPapers(input: string): ParsedListing {
  const text = input.replace(/^\uFEFF/, '');
  if (!text.trim()) throw new MalformedListingError('the listing is empty');
  let format: ParsedListing['format'];
  let values: { position: number; value: unknown }[];
  const rejected: RejectedEntry[] = [];
  if (text.trimStart().startsWith('[')) {
    format = 'json';
    let decoded: unknown;
    try {
      decoded = JSON.parse(text);
    } catch (error) {
      throw new MalformedListingError(`the listing is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(decoded)) throw new MalformedListingError('the listing is not a JSON array');
    values = decoded.map((value, index) => ({ position: index + 1, value }));
  } else {
    format = 'jsonl';
    const lines = decodeLines(text);
    if (lines.values.length === 0) {
      throw new MalformedListingError(`the listing is neither a JSON array nor JSON Lines (${lines.rejected[0]?.reason ?? 'no entries'})`);
    }
    values = lines.values;
    rejected.push(...lines.rejected);
  }
  const byId = new Map<string, PaperInput>();
  for (const { position, value } of values) {
    const paper = readEntry(value);
    if (typeof paper === 'string') {
      rejected.push({ position, where: `${format === 'json' ? 'entry' : 'line'} ${position}`, reason: paper });
    } else {
      byId.delete(paper.externalId); // keep the order of the last occurrence
      byId.set(paper.externalId, paper);
    }
  }
  rejected.sort((a, b) => a.position - b.position);
  return { format, papers: [...byId.values()], rejected };
}

/**
 * Moves every listing time by the same amount so the newest lands at `newest`: the demo fixture keeps
 * its captured dates, and `paperboy demo` relists it as if it were today (relative ages are kept).
 */
export function relistPapers(papers: PaperInput[], newest: Date): PaperInput[] {
  const times = papers.flatMap((paper) => (paper.listedAt ? [paper.listedAt.getTime()] : []));
  if (times.length === 0) return papers.map((paper) => ({ ...paper, listedAt: newest }));
  const latest = Math.max(...times);
  const shift = newest.getTime() - latest;
  return papers.map((paper) => ({ ...paper, listedAt: new Date((paper.listedAt?.getTime() ?? latest) + shift) }));
}
