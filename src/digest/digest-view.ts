// What a digest shows, as pure functions of the frozen papers: no I/O, tested on their own.
import type { EditionPaper } from '../db/editions.ts';
import { httpUrl } from '../text/url.ts';
import { withoutBidiControls } from '../text/clean.ts';

export type { EditionPaper };

export interface PaperView {
  rank: number;
  title: string;
  url: string;
  authors: string;
  excerpt: string;
  upvotes: number;
  upvotesLabel: string;
  codeUrl: string | null;
  projectUrl: string | null;
  stars: string | null;
}

export interface DigestView {
  editionDate: string;
  /** "Saturday, 28 November 2026" */
  longDate: string;
  title: string;
  subject: string;
  preview: string;
  papers: PaperView[];
  browserUrl: string;
  homeUrl: string;
  unsubscribeUrl: string;
}

const AUTHORS_SHOWN = 3;
export const EXCERPT_CHARS = 280;

/** "Ada Lovelace, Alan Turing, Grace Hopper et al." — first few names, then et al. */
export function formatAuthors(authors: readonly string[]): string {
  const names = authors.map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) return 'Anonymous authors';
  if (names.length <= AUTHORS_SHOWN + 1) return names.join(', ');
  return `${names.slice(0, AUTHORS_SHOWN).join(', ')} et al.`;
}

/**
 * Two to three lines of the abstract: whitespace collapsed, cut on a word boundary, never inside an
 * inline `$…$` formula (a cut formula reads as broken LaTeX), "…" when shortened.
 */
export function abstractExcerpt(abstract: string, maxChars = EXCERPT_CHARS): string {
  const text = abstract.replace(/\s+/g, ' ').trim();
  if (text.length <= maxChars) return text;
  let cut = text.lastIndexOf(' ', maxChars);
  if (cut < maxChars / 2) cut = maxChars;
  // An odd number of unescaped $ before the cut means we are inside a formula: cut before it opens.
  const dollars = [...text.slice(0, cut).matchAll(/(?<!\\)\$/g)];
  if (dollars.length % 2 === 1) {
    const opened = dollars[dollars.length - 1]!.index!;
    const before = text.lastIndexOf(' ', opened);
    cut = before > 0 ? before : opened;
  }
  return `${text.slice(0, cut).replace(/[\s,;:.-]+$/, '')}…`;
}

/** 28 November 2026 style dates, computed for the calendar day itself (no time zone shift). */
export function longDate(editionDate: string): string {
  const day = new Date(`${editionDate}T12:00:00Z`);
  return new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(day);
}

function shortDate(editionDate: string): string {
  const day = new Date(`${editionDate}T12:00:00Z`);
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(day);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

export function editionTitle(editionDate: string): string {
  return `Trending papers · ${longDate(editionDate)}`;
}

export function editionSubject(editionDate: string, papers: readonly EditionPaper[]): string {
  const lead = papers[0] ? truncate(papers[0].title.replace(/\s+/g, ' ').trim(), 70) : 'Trending papers';
  const more = papers.length > 1 ? ` + ${papers.length - 1} more` : '';
  // Titles are cleaned at ingest; papers stored before that may still carry a bidi override, never shown in a Subject.
  return withoutBidiControls(`${shortDate(editionDate)} — ${lead}${more}`);
}

export function paperView(paper: EditionPaper): PaperView {
  return {
    rank: paper.rank,
    title: paper.title.replace(/\s+/g, ' ').trim(),
    url: httpUrl(paper.url) ?? '#',
    authors: formatAuthors(paper.authors),
    excerpt: abstractExcerpt(paper.abstract),
    upvotes: paper.upvotes,
    upvotesLabel: paper.upvotes === 1 ? 'upvote' : 'upvotes',
    codeUrl: httpUrl(paper.codeUrl),
    projectUrl: httpUrl(paper.projectUrl),
    stars: paper.githubStars && paper.githubStars > 0 ? new Intl.NumberFormat('en-US').format(paper.githubStars) : null,
  };
}

export interface DigestLinks {
  browserUrl: string;
  homeUrl: string;
  /** Usually a placeholder filled per recipient at send time. */
  unsubscribeUrl: string;
}

export function digestView(editionDate: string, papers: readonly EditionPaper[], links: DigestLinks): DigestView {
  const views = papers.map(paperView);
  return {
    editionDate,
    longDate: longDate(editionDate),
    title: editionTitle(editionDate),
    subject: editionSubject(editionDate, papers),
    preview: truncate(views.map((paper) => paper.title).join(' · '), 140),
    papers: views,
    ...links,
  };
}
