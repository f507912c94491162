// Where a title or abstract's formulas, URLs and code spans are, so the LaTeX parser only ever sees prose or a
// formula — never a URL (which may hold `_`, `~`, `%`) or a price taken for a `$` delimiter.

/** A stretch of the input that is rendered one way: prose, a formula, or something copied as is (URLs, code). */
export interface Segment {
  kind: 'text' | 'math' | 'verbatim';
  source: string;
}

const URL_START = /^https?:\/\//;

/**
 * Math delimiters (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`), URLs, `\url{…}` and markdown code spans, found by one scan so
 * that escapes (`\$`) and URLs (which may hold `_`, `~`, `%`) are never taken for markup.
 */
export function splitSegments(input: string): Segment[] {
  const segments: Segment[] = [];
  let text = '';
  const flush = (kind: Segment['kind'], source: string) => {
    if (text) segments.push({ kind: 'text', source: text });
    text = '';
    segments.push({ kind, source });
  };
  let i = 0;
  while (i < input.length) {
    const char = input[i]!;
    const rest = input.slice(i);
    if (char === '\\') {
      const close = rest[1] === '(' ? '\\)' : rest[1] === '[' ? '\\]' : null;
      const end = close ? input.indexOf(close, i + 2) : -1;
      if (close && end >= 0) {
        flush('math', input.slice(i + 2, end));
        i = end + 2;
      } else if (rest.startsWith('\\url{') && input.indexOf('}', i) > 0) {
        const urlEnd = input.indexOf('}', i);
        flush('verbatim', input.slice(i + 5, urlEnd));
        i = urlEnd + 1;
      } else {
        // An escape such as \$ or \%: both characters stay together so the scan never reads them as markup.
        text += rest.slice(0, 2);
        i += 2;
      }
    } else if (char === '$') {
      const math = dollarMath(input, i);
      if (math) {
        flush('math', math.source);
        i = math.end;
      } else {
        text += char;
        i += 1;
      }
    } else if (URL_START.test(rest) && !/[\p{L}\p{N}]/u.test(input[i - 1] ?? '')) {
      const url = urlAt(rest);
      flush('verbatim', url);
      i += url.length;
    } else if (char === '`' && rest[1] !== '`' && input[i - 1] !== '`') {
      const code = codeSpanAt(rest);
      if (code !== null) {
        flush('verbatim', code);
        i += code.length + 2;
      } else {
        text += char;
        i += 1;
      }
    } else {
      text += char;
      i += 1;
    }
  }
  if (text) segments.push({ kind: 'text', source: text });
  return segments;
}

/**
 * A `$…$` or `$$…$$` formula starting at `start`, by pandoc's rule so prices are not formulas: the opening `$`
 * has a non-space after it, the closing one a non-space before it and no digit after it ("$5 and $10" is text).
 */
function dollarMath(input: string, start: number): { source: string; end: number } | null {
  const display = input[start + 1] === '$';
  const open = display ? 2 : 1;
  const close = nextUnescaped(input, display ? '$$' : '$', start + open);
  if (close < 0 || close === start + open) return null;
  const source = input.slice(start + open, close);
  if (!display && (/^\s/.test(source) || /\s$/.test(source) || /\d/.test(input[close + 1] ?? ''))) return null;
  return { source, end: close + open };
}

function nextUnescaped(input: string, needle: string, from: number): number {
  for (let at = input.indexOf(needle, from); at >= 0; at = input.indexOf(needle, at + 1)) {
    if (!isEscaped(input, at)) return at;
  }
  return -1;
}

/** An odd run of backslashes before a character escapes it (`\\$` is a line break, then a real `$`). */
export function isEscaped(input: string, at: number): boolean {
  let slashes = 0;
  while (input[at - 1 - slashes] === '\\') slashes += 1;
  return slashes % 2 === 1;
}

/** The URL at the start of `text`, without the sentence punctuation or unbalanced bracket that follows it. */
function urlAt(text: string): string {
  let url = /^\S+/.exec(text)![0];
  for (;;) {
    const last = url.at(-1)!;
    const unbalanced = (open: string, closeChar: string) => last === closeChar && url.split(open).length < url.split(closeChar).length;
    if (/[.,;:!?'"]/.test(last) || unbalanced('(', ')') || unbalanced('[', ']') || unbalanced('{', '}')) url = url.slice(0, -1);
    else return url;
  }
}

/** The content of a markdown code span `` `x` `` at the start of `text`; a LaTeX quote `` `word' `` is not one. */
function codeSpanAt(text: string): string | null {
  const end = text.indexOf('`', 1);
  if (end <= 1 || text[end + 1] === '`') return null;
  const content = text.slice(1, end);
  return content.includes("'") || content.includes('\n') ? null : content;
}

/**
 * Hugging Face strips the `$` from many abstracts, leaving `A^2Search`, `f_i` or `K_r-minor-free` in prose. A
 * script that is clearly math — `^` after a letter, digit or bracket, `_` after a lone letter or an operator
 * name — is rendered as a formula; snake_case words and `e^varepsilon` are left alone.
 */
const SCRIPT_ARGUMENT = String.raw`(?:\{[^{}]*\}|\d+|[A-Za-z](?![\p{L}\p{N}]))`;
const BARE_SCRIPT = new RegExp(
  String.raw`(?:(?<=[\p{L}\p{N})\]])\^|(?<=(?<![\p{L}\p{N}_\\])(?:[A-Za-z]|log|sum|prod|max|min|arg ?max|arg ?min|lim))_)` +
    SCRIPT_ARGUMENT +
    String.raw`(?:[_^]${SCRIPT_ARGUMENT})*`,
  'gu',
);

export function splitBareScripts(source: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of source.matchAll(BARE_SCRIPT)) {
    if (match.index > last) segments.push({ kind: 'text', source: source.slice(last, match.index) });
    segments.push({ kind: 'math', source: match[0] });
    last = match.index + match[0].length;
  }
  if (last < source.length) segments.push({ kind: 'text', source: source.slice(last) });
  return segments;
}
