// What a digest shows, as pure functions of the frozen papers: no I/O, tested on their own. The email, its text
// part, the archive page and the feeds all read this one view, so they say the same thing.
import type { EditionPaper } from '../db/editions.ts';
import { DAILY_PAPERS_URL, paperLinks } from '../papers/links.ts';
import { latexToText } from '../text/latex.ts';
import { shortenOnWord, tldr } from '../text/summary.ts';
import { httpUrl } from '../text/url.ts';
import { withoutBidiControls } from '../text/clean.ts';

export type { EditionPaper };

/** How many papers lead the digest as cards; the rest are compact rows. */
export const FEATURED_PAPERS = 3;
/** A card's TL;DR: about three lines on a phone. */
export const FEATURED_TLDR_CHARS = 200;
/** A compact row's TL;DR: about two lines on a phone. */
export const COMPACT_TLDR_CHARS = 140;

export interface PaperLink {
  label: string;
  url: string;
}

export interface PaperView {
  rank: number;
  featured: boolean;
  /** Plain text: LaTeX and markdown already rendered. */
  title: string;
  /** Where the title points: the Hugging Face page, else the paper's own link (an arXiv search for demo papers). */
  url: string;
  huggingFaceUrl: string | null;
  authors: string;
  tldr: string;
  upvotes: number;
  /** "▲ 64 upvotes · +41 today"; the growth is left out when unknown or nil. */
  votes: string;
  /** arXiv, PDF, code, project page: the ones known, in that order. */
  links: PaperLink[];
  codeUrl: string | null;
  projectUrl: string | null;
  stars: string | null;
}

export interface DigestView {
  editionDate: string;
  /** "Saturday, 28 November 2026" */
  longDate: string;
  title: string;
  /** What the list is, e.g. "The 10 papers rising fastest on Hugging Face". */
  heading: string;
  /** How the list was made, in one sentence. */
  intro: string;
  subject: string;
  preview: string;
  papers: PaperView[];
  featured: PaperView[];
  more: PaperView[];
  sourceUrl: string;
  browserUrl: string;
  homeUrl: string;
  feedUrl: string;
  unsubscribeUrl: string;
}

const AUTHORS_SHOWN = 3;
const numbers = new Intl.NumberFormat('en-US');

/** "Ada Lovelace, Alan Turing, Grace Hopper et al." — first few names, then et al. */
export function formatAuthors(authors: readonly string[]): string {
  const names = authors.map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) return 'Anonymous authors';
  if (names.length <= AUTHORS_SHOWN + 1) return names.join(', ');
  return `${names.slice(0, AUTHORS_SHOWN).join(', ')} et al.`;
}

/**
 * "▲ 64 upvotes · +41 today". Editions frozen before the growth was recorded lack it, and a paper that gained
 * nothing has no growth to show: both say nothing rather than "+0".
 */
export function formatVotes(upvotes: number, gainedToday: number | null | undefined): string {
  const total = upvotes === 0 ? 'no upvotes yet' : `▲ ${numbers.format(upvotes)} ${upvotes === 1 ? 'upvote' : 'upvotes'}`;
  return gainedToday && gainedToday > 0 ? `${total} · +${numbers.format(gainedToday)} today` : total;
}

/** 28 November 2026 style dates, computed for the calendar day itself (no time zone shift). */
export function longDate(editionDate: string): string {
  const day = new Date(`${editionDate}T12:00:00Z`);
  return new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(day);
}

// Made once: a formatter costs far more to make than to use, and every personal digest's subject needs one.
const shortDateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
export function shortDate(editionDate: string): string {
  return shortDateFormat.format(new Date(`${editionDate}T12:00:00Z`));
}

/** A title as text: LaTeX rendered, whitespace collapsed. */
export function titleText(title: string): string {
  return latexToText(title) || title.replace(/\s+/g, ' ').trim();
}

export function editionTitle(editionDate: string): string {
  return `Trending papers · ${longDate(editionDate)}`;
}

/** What the list is: the papers gaining votes fastest on Daily Papers, not the most voted of all time. */
export function editionHeading(count: number): string {
  return count === 1 ? 'The paper rising fastest on Hugging Face' : `The ${count} papers rising fastest on Hugging Face`;
}

export const EDITION_INTRO =
  'Ranked by upvotes on Hugging Face Daily Papers, with votes of the last 24 hours counting most and newer papers first among equals.';

export function editionSubject(editionDate: string, papers: readonly EditionPaper[]): string {
  const lead = papers[0] ? shortenOnWord(titleText(papers[0].title), 70) : 'Trending papers';
  const more = papers.length > 1 ? ` + ${papers.length - 1} more` : '';
  // Titles are cleaned at ingest; papers stored before that may still carry a bidi override, never shown in a Subject.
  return withoutBidiControls(`${shortDate(editionDate)} — ${lead}${more}`);
}

export function paperView(paper: EditionPaper): PaperView {
  const featured = paper.rank <= FEATURED_PAPERS;
  const { huggingFaceUrl, arxivUrl, pdfUrl } = paperLinks(paper.externalId);
  const codeUrl = httpUrl(paper.codeUrl);
  const projectUrl = httpUrl(paper.projectUrl);
  const stars = paper.githubStars && paper.githubStars > 0 ? numbers.format(paper.githubStars) : null;
  const url = huggingFaceUrl ?? httpUrl(paper.url) ?? '#';
  const links: PaperLink[] = [];
  if (arxivUrl) links.push({ label: 'arXiv', url: arxivUrl });
  else {
    // An id that is not an arXiv id: the paper's own link, unless the title already points there.
    const own = httpUrl(paper.url);
    if (own && own !== url) links.push({ label: new URL(own).hostname === 'arxiv.org' ? 'arXiv' : 'Paper', url: own });
  }
  if (pdfUrl) links.push({ label: 'PDF', url: pdfUrl });
  if (codeUrl) links.push({ label: stars ? `Code ★ ${stars}` : 'Code', url: codeUrl });
  if (projectUrl) links.push({ label: 'Project page', url: projectUrl });
  return {
    rank: paper.rank,
    featured,
    title: titleText(paper.title),
    url,
    huggingFaceUrl,
    authors: formatAuthors(paper.authors),
    tldr: tldr({ aiSummary: paper.aiSummary ?? null, abstract: paper.abstract }, featured ? FEATURED_TLDR_CHARS : COMPACT_TLDR_CHARS),
    upvotes: paper.upvotes,
    votes: formatVotes(paper.upvotes, paper.upvotesLast24h),
    links,
    codeUrl,
    projectUrl,
    stars,
  };
}

export interface DigestLinks {
  browserUrl: string;
  homeUrl: string;
  /** The Atom feed; defaults to /feed.xml on homeUrl. */
  feedUrl?: string;
  /** Usually a placeholder filled per recipient at send time. */
  unsubscribeUrl: string;
}

export function digestView(editionDate: string, papers: readonly EditionPaper[], links: DigestLinks): DigestView {
  const views = papers.map(paperView);
  return {
    editionDate,
    longDate: longDate(editionDate),
    title: editionTitle(editionDate),
    heading: editionHeading(views.length),
    intro: EDITION_INTRO,
    subject: editionSubject(editionDate, papers),
    // The inbox line under the subject: the lead paper's TL;DR says more than a list of titles.
    preview: shortenOnWord(views[0] ? `${views[0].tldr}` : 'The day’s trending research papers.', 140),
    papers: views,
    featured: views.filter((paper) => paper.featured),
    more: views.filter((paper) => !paper.featured),
    sourceUrl: DAILY_PAPERS_URL,
    ...links,
    feedUrl: links.feedUrl ?? new URL('/feed.xml', links.homeUrl).toString(),
  };
}
