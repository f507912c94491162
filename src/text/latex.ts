// Paper titles and abstracts arrive as arXiv wrote them: inline LaTeX, accents, a little markdown. Emails and
// plain-text parts need readable Unicode, so this turns markup into text — losing markup, never words.
import { parse, parseMath } from '@unified-latex/unified-latex-util-parse';
import { ACCENTS, INVISIBLE, MATH_ALPHABETS, OPERATOR_NAMES, SPACED_SYMBOLS, SUBSCRIPTS, SUPERSCRIPTS, SYMBOLS } from './latex-symbols.ts';

type LatexNode = ReturnType<typeof parseMath>[number];
type Macro = Extract<LatexNode, { type: 'macro' }>;
type Mode = 'text' | 'math';

/** A stretch of the input that is rendered one way: prose, a formula, or something copied as is (URLs, code). */
interface Segment {
  kind: 'text' | 'math' | 'verbatim';
  source: string;
}

/**
 * LaTeX and light markdown in a title or abstract, as plain Unicode text on one line. Never throws: if the
 * parser fails, the input comes back with its `$` delimiters removed.
 */
export function latexToText(input: string): string {
  try {
    const rendered = splitSegments(input)
      .flatMap((segment) => (segment.kind === 'text' ? splitBareScripts(stripMarkdownEmphasis(segment.source)) : [segment]))
      .map(renderSegment)
      .join('');
    return collapseWhitespace(rendered.normalize('NFC'));
  } catch {
    return collapseWhitespace(input.replace(/(?<!\\)\$/g, ''));
  }
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function renderSegment(segment: Segment): string {
  switch (segment.kind) {
    case 'verbatim':
      return segment.source;
    case 'math':
      return renderNodes(parseMath(escapeUnescaped(segment.source, '%')), 'math');
    case 'text':
      return renderProse(segment.source);
  }
}

function renderProse(source: string): string {
  const escaped = escapeUnescaped(escapeUnescaped(dropStrayCommentMarks(source), '%'), '$');
  // The parser trims its input, but the spaces at the edges separate this prose from the formula next to it.
  const lead = /^\s/.test(source) ? ' ' : '';
  const trail = /\s$/.test(source) ? ' ' : '';
  return lead + textLigatures(renderNodes(parse(escaped).content, 'text')) + trail;
}

// ---------------------------------------------------------------------------------------------------------
// Splitting the input: the parser only ever sees prose or a formula, never a URL or a code span.

const URL_START = /^https?:\/\//;

/**
 * Math delimiters (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`), URLs, `\url{…}` and markdown code spans, found by one scan so
 * that escapes (`\$`) and URLs (which may hold `_`, `~`, `%`) are never taken for markup.
 */
function splitSegments(input: string): Segment[] {
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
function isEscaped(input: string, at: number): boolean {
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

function splitBareScripts(source: string): Segment[] {
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

// ---------------------------------------------------------------------------------------------------------
// Prose before and after the parser.

/**
 * Markdown emphasis only where it is clearly markdown: the marker hugs a word on its inner side and not on its
 * outer side, so `HACL* library`, `a*b*c` and `snake_case_names` are left alone.
 */
function stripMarkdownEmphasis(source: string): string {
  return source
    .replace(/(?<![\p{L}\p{N}*\\])\*\*(?=[^\s*])(.+?)(?<=[^\s*\\])\*\*(?![\p{L}\p{N}*])/gu, '$1')
    .replace(/(?<![\p{L}\p{N}_\\])__(?=[^\s_])(.+?)(?<=[^\s_\\])__(?![\p{L}\p{N}_])/gu, '$1')
    .replace(/(?<![\p{L}\p{N}*\\])\*(?=[^\s*])(.+?)(?<=[^\s*\\])\*(?![\p{L}\p{N}*])/gu, '$1')
    .replace(/(?<![\p{L}\p{N}_\\])_(?=[^\s_])(.+?)(?<=[^\s_\\])_(?![\p{L}\p{N}_])/gu, '$1');
}

/**
 * Abstracts are not LaTeX sources: `%` means percent ("50% fewer"), so it is escaped before parsing rather than
 * read as a comment. A lone `%` between sentences is a comment marker left over from the author's source
 * ("datasets. % With the …"): the marker goes, the words after it stay.
 */
function dropStrayCommentMarks(source: string): string {
  return source.replace(/(?<=^\s*|[^\d\s\\]\s+)%(?=\s|$)/g, '');
}

function escapeUnescaped(source: string, char: '%' | '$'): string {
  let out = '';
  for (let at = 0; at < source.length; at++) {
    out += source[at] === char && !isEscaped(source, at) ? `\\${char}` : source[at];
  }
  return out;
}

/**
 * TeX's ligatures, which the parser leaves as characters: ``quotes'', en and em dashes, and `~` as a tie. A
 * `~` at the start of a number is prose for "about" (~30%) and stays.
 */
function textLigatures(text: string): string {
  return text
    .replace(/``/g, '“')
    .replace(/''/g, '”')
    .replace(/---/g, '—')
    .replace(/--/g, '–')
    .replace(/`([^`'\s][^`']*)'/g, '‘$1’')
    .replace(/~(?!\d)|(?<=[^\s(])~/g, ' ');
}

// ---------------------------------------------------------------------------------------------------------
// Rendering the parser's tree.

function renderNodes(input: readonly LatexNode[], mode: Mode): string {
  // A copy, because a macro that takes one letter of the next word (\'cvi) hands the rest back to the loop.
  const nodes = [...input];
  let out = '';
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    switch (node.type) {
      case 'string':
        out += mode === 'math' && node.content === '&' ? ' ' : node.content;
        break;
      case 'whitespace':
      case 'parbreak':
        out += ' ';
        break;
      case 'comment':
        out += ` ${node.content}`;
        break;
      case 'group':
        out += renderNodes(node.content, mode);
        break;
      case 'inlinemath':
      case 'displaymath':
        out += renderNodes(node.content, 'math');
        break;
      case 'environment':
      case 'mathenv':
        out += ` ${renderNodes(node.content, node.type === 'mathenv' ? 'math' : mode)} `;
        break;
      case 'verbatim':
      case 'verb':
        out += node.content;
        break;
      case 'macro': {
        if (OPERATOR_NAMES.has(node.content) && /[\p{L}\p{N}]$/u.test(out)) out += ' ';
        const symbol = mode === 'math' && node.escapeToken !== '' ? SYMBOLS[node.content] : undefined;
        // Relations read best with a space either side (x ≤ y), whatever the source had; a centred dot hugs its
        // operands (a·b) but keeps its room as a placeholder, f(·).
        if (symbol === '·') out = out.replace(/(?<=[\p{L}\p{N})\]}]) +$/u, '');
        const rendered = renderMacro(node, nodes, i, mode);
        out += symbol !== undefined && SPACED_SYMBOLS.has(symbol) ? ` ${rendered.text} ` : rendered.text;
        i = rendered.last;
        // As in TeX, the space after a symbol's name is not a space before what it applies to: \pm 1 is ±1,
        // \alpha \beta is αβ; before punctuation or a relation (\alpha = 1) it stays.
        const after = nodes[i + 2];
        if (
          symbol !== undefined &&
          nodes[i + 1]?.type === 'whitespace' &&
          (after?.type === 'macro' || (after?.type === 'string' && /^[\p{L}\p{N}]/u.test(after.content)))
        )
          i += 1;
        // The parser swallows the space after a script's braces (x^{n} y); the source positions still show it.
        if (mode === 'math' && node.escapeToken === '' && hasGapAfter(node, nodes[i + 1])) out += ' ';
        break;
      }
    }
  }
  return out;
}

function hasGapAfter(node: Macro, next: LatexNode | undefined): boolean {
  // The macro's own position covers only `^`; its braced argument ends at the argument's last node plus `}`.
  const arg = node.args?.at(-1);
  const lastInArg = arg?.content.at(-1)?.position?.end.offset;
  const end = lastInArg !== undefined ? lastInArg + arg!.closeMark.length : node.position?.end.offset;
  const start = next?.position?.start.offset;
  return next?.type !== 'whitespace' && end !== undefined && start !== undefined && start > end;
}

/** A macro's text, and the index of the last node it used (itself, or the argument it took from its siblings). */
function renderMacro(macro: Macro, nodes: LatexNode[], index: number, mode: Mode): { text: string; last: number } {
  const name = macro.content;
  const done = (text: string) => ({ text, last: index });
  if ((name === '^' || name === '_') && macro.escapeToken === '') {
    const script = renderNodes(attachedArgument(macro) ?? [], mode).trim();
    return done(name === '^' ? toScript(script, SUPERSCRIPTS, '^') : toScript(script, SUBSCRIPTS, '_'));
  }
  const accent = ACCENTS[name];
  const alphabet = MATH_ALPHABETS[name];
  if (accent !== undefined || alphabet !== undefined) {
    const argument = takeArgument(macro, nodes, index);
    const text = renderNodes(argument.nodes, mode);
    return {
      text: accent !== undefined ? withAccent(text, accent) : [...text].map((char) => alphabet![char] ?? char).join(''),
      last: argument.last,
    };
  }
  const args = (macro.args ?? []).map((arg) => renderNodes(arg.content, mode).trim()).filter(Boolean);
  switch (name) {
    case 'frac':
    case 'dfrac':
    case 'tfrac':
      return done(args.length === 2 ? `${asOperand(args[0]!)}/${asOperand(args[1]!)}` : args.join('/'));
    case 'sqrt':
      return done(`√${asOperand(args.at(-1) ?? '')}`);
    case 'cite':
    case 'citep':
    case 'citet':
      return done(`[${args.at(-1) ?? ''}]`);
    case 'href':
      return done(args.at(-1) ?? '');
  }
  const symbol = SYMBOLS[name];
  if (symbol !== undefined) return done(symbol);
  if (OPERATOR_NAMES.has(name)) return done(name);
  if (INVISIBLE.has(name)) return done('');
  // Unknown commands (\emph, \textbf, \mathbf, \text, \operatorname, anything new) read as their arguments.
  return done(args.join(' '));
}

function attachedArgument(macro: Macro): LatexNode[] | null {
  const arg = (macro.args ?? []).findLast((candidate) => candidate.content.length > 0);
  return arg ? arg.content : null;
}

/**
 * The argument of an accent or alphabet command: attached by the parser, else the next group, else the next
 * character — TeX takes one token, so `\'cvi` accents only the c and `vi` goes back to the sibling list.
 */
function takeArgument(macro: Macro, nodes: LatexNode[], index: number): { nodes: LatexNode[]; last: number } {
  const attached = attachedArgument(macro);
  if (attached) return { nodes: attached, last: index };
  let next = index + 1;
  // Spaces after a control word (\v s) are skipped; after a control symbol (\' c) they are not.
  if (/^[A-Za-z]+$/.test(macro.content)) while (nodes[next]?.type === 'whitespace') next += 1;
  const node = nodes[next];
  if (node?.type === 'group') return { nodes: node.content, last: next };
  if (node?.type === 'string' && node.content.length > 0) {
    const [first, ...rest] = [...node.content];
    nodes[next] = { ...node, content: rest.join('') };
    return { nodes: [{ ...node, content: first! }], last: next - 1 };
  }
  if (node?.type === 'macro' && !(node.args ?? []).length) return { nodes: [node], last: next };
  return { nodes: [], last: index };
}

function withAccent(text: string, mark: string): string {
  const [first, ...rest] = [...text];
  if (first === undefined) return '';
  // A dotless ı or ȷ is only there to carry an accent: í is i + acute.
  const base = first === 'ı' ? 'i' : first === 'ȷ' ? 'j' : first;
  return base + mark + rest.join('');
}

/** x², xᵢ when every character has a Unicode script form; otherwise the readable `N_E`, `x^(a/b)`. */
function toScript(text: string, table: Readonly<Record<string, string>>, marker: '^' | '_'): string {
  const chars = [...text];
  if (chars.length === 0) return '';
  if (chars.every((char) => table[char] !== undefined)) return chars.map((char) => table[char]).join('');
  return chars.length === 1 ? `${marker}${text}` : `${marker}(${text})`;
}

/** A fraction's numerator or denominator, bracketed when it is more than one term: (a+b)/c. */
function asOperand(text: string): string {
  return /^[\p{L}\p{N}.′]+$/u.test(text) || /^\(.*\)$/.test(text) ? text : `(${text})`;
}
