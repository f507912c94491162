// Word wrap for the plain-text part of an email, where a reader's client shows lines as we break them.

/** RFC 3676 §4.3: a line of exactly dash, dash, space starts the signature; clients can hide what follows. */
export const SIGNATURE_SEPARATOR = '-- ';

/** RFC 5322 recommends lines of at most 78 characters; 72 leaves room for a reply's "> " quoting. */
export const TEXT_WIDTH = 72;

export interface WrapOptions {
  /** Longest line, in characters (code points), indent included. */
  width?: number;
  /** Prefix of the first line. */
  indent?: string;
  /** Prefix of every later line; defaults to `indent`. */
  hangingIndent?: string;
}

const URL = /https?:\/\//;

/**
 * `text` as lines of at most `width` characters, breaking only at spaces. Words are never split: a word longer
 * than a line, or a URL that does not fit where it falls, gets a line of its own (a broken URL is a dead link).
 */
export function wrapText(text: string, { width = TEXT_WIDTH, indent = '', hangingIndent = indent }: WrapOptions = {}): string[] {
  const lines: string[] = [];
  let line = '';
  let words = 0;
  const prefix = () => (lines.length === 0 ? indent : hangingIndent);
  const breakLine = () => {
    if (words > 0) lines.push(line);
    line = '';
    words = 0;
  };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (words > 0 && length(`${line} ${word}`) <= width) {
      line = `${line} ${word}`;
      words += 1;
      continue;
    }
    const movedDown = words > 0;
    breakLine();
    line = prefix() + word;
    words = 1;
    // A word too long for any line, or a URL pushed off the line it fell on, keeps its line to itself.
    if (length(line) > width || (movedDown && URL.test(word))) breakLine();
  }
  breakLine();
  return lines;
}

/** Paragraphs (separated by blank lines) wrapped one by one, kept apart by one blank line. */
export function wrapParagraphs(text: string, options: WrapOptions = {}): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => wrapText(paragraph, options).join('\n'))
    .filter(Boolean)
    .join('\n\n');
}

function length(text: string): number {
  return [...text].length;
}
