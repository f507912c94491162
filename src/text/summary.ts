// The one line under each paper's title: what the paper does, short enough to scan a digest by.
import { latexToText } from './latex.ts';

export const TLDR_CHARS = 200;
const SENTENCES_SHOWN = 2;

/** Abbreviations whose full stop never ends a sentence in an abstract (lower-cased, without the final dot). */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  'e.g',
  'i.e',
  'al',
  'cf',
  'vs',
  'viz',
  'approx',
  'resp',
  'fig',
  'figs',
  'eq',
  'eqs',
  'sec',
  'secs',
  'tab',
  'no',
  'nos',
  'ref',
  'refs',
  'ch',
  'dr',
  'prof',
  'mr',
  'ms',
  'st',
  'inc',
  'ltd',
  'jr',
  'sr',
]);

/**
 * The paper's TL;DR: its AI summary when it has one, else the abstract's first sentence or two — as plain text,
 * at most `maxChars`, cut on a word boundary with "…" only when a sentence had to be cut.
 */
export function tldr(paper: { aiSummary: string | null; abstract: string }, maxChars = TLDR_CHARS): string {
  const summary = paper.aiSummary ? latexToText(paper.aiSummary) : '';
  if (summary) return shortenOnWord(summary, maxChars);
  const sentences = splitSentences(latexToText(paper.abstract));
  let shown = '';
  for (const sentence of sentences.slice(0, SENTENCES_SHOWN)) {
    const longer = shown ? `${shown} ${sentence}` : sentence;
    if (length(longer) > maxChars) break;
    shown = longer;
  }
  return shown || shortenOnWord(sentences[0] ?? '', maxChars);
}

/**
 * Sentences of plain text. A full stop ends one only before a space and a capital, digit or opening bracket,
 * and not after an abbreviation (e.g., et al., Fig.) or an initial (J. Smith); "11.3" has no space to split at.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of text.matchAll(/[.!?]["”’)]*(?=\s+[\p{Lu}\p{N}"“‘([])/gu)) {
    const end = match.index + match[0].length;
    if (match[0].startsWith('.') && !endsSentence(text.slice(start, match.index))) continue;
    sentences.push(text.slice(start, end).trim());
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}

/** Whether a full stop after `before` (the text up to the dot) ends a sentence. */
function endsSentence(before: string): boolean {
  const lastWord = /(\S+)$/.exec(before)?.[1] ?? '';
  const word = lastWord.replace(/^[("“‘[]+/, '').toLowerCase();
  if (ABBREVIATIONS.has(word)) return false;
  // A single capital is an initial: "J. Smith", "A. Turing".
  return !/^\p{Lu}$/u.test(lastWord);
}

/** `text` cut to at most `maxChars` on a word boundary, with "…"; a single word longer than that stays whole. */
export function shortenOnWord(text: string, maxChars: number): string {
  if (length(text) <= maxChars) return text;
  const chars = [...text];
  // Leave room for the ellipsis; the cut lands on the last space that keeps us inside the limit.
  const head = chars.slice(0, Math.max(maxChars - 1, 0) + 1).join('');
  const cut = head.lastIndexOf(' ');
  if (cut <= 0) {
    const firstSpace = text.indexOf(' ');
    return firstSpace < 0 ? text : `${text.slice(0, firstSpace).replace(/[\s,;:.–—-]+$/, '')}…`;
  }
  return `${head.slice(0, cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}

function length(text: string): number {
  return [...text].length;
}
