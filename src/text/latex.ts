// Paper titles and abstracts arrive as arXiv wrote them: inline LaTeX, accents, a little markdown. Emails and
// plain-text parts need readable Unicode, so this turns markup into text — losing markup, never words.
import { parse, parseMath } from '@unified-latex/unified-latex-util-parse';
import { isEscaped, splitBareScripts, splitSegments, type Segment } from './latex-segments.ts';
import { ACCENTS, INVISIBLE, MATH_ALPHABETS, OPERATOR_NAMES, SPACED_SYMBOLS, SUBSCRIPTS, SUPERSCRIPTS, SYMBOLS } from './latex-symbols.ts';

type LatexNode = ReturnType<typeof parseMath>[number];
type Macro = Extract<LatexNode, { type: 'macro' }>;
type Mode = 'text' | 'math';

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
