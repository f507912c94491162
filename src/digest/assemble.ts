// A digest's templates from the edition's kit: the compiled skeleton and the papers' blocks, rendered once per
// edition, put together in a reader's order with their lines of why. Pure string work: no MJML, no Handlebars.
// The shared digest is assembled the same way (trending order, no why lines), once, when the edition is built.
import type { DigestKit, PaperBlocks } from '../db/editions.ts';
import { encodePieces, ownPiece, SLOT_PATTERN, type BodyPiece, type JoinedDigestTemplate } from '../mail/digest-message.ts';
import { escapeHtml } from '../text/html.ts';
import { withoutBidiControls } from '../text/clean.ts';
import { wrapText } from '../text/wrap.ts';
import { editionHeading, FEATURED_PAPERS, shortDate } from './digest-view.ts';

/** Slots of the kit filled here; the reader's links (%%PAPERBOY_…_URL%%, rating links) are filled at send time. */
export const PAPERS_SLOT = '%%PAPERBOY_PAPERS%%';
export const HEADING_SLOT = '%%PAPERBOY_HEADING%%';
export const PREVIEW_SLOT = '%%PAPERBOY_PREVIEW%%';
export const RANK_SLOT = '%%PAPERBOY_RANK%%';
export const WHY_SLOT = '%%PAPERBOY_WHY%%';
export const PREFERENCES_SLOT = '%%PAPERBOY_PREFERENCES_URL%%';
/** The text part's rank label: four characters wide, like " 1. " … "20. ", so the title wraps as it will read. */
export const TEXT_RANK_MARK = '\uE000\uE001\uE002\uE003';

export const rateSlot = (paperId: number, vote: 'up' | 'down') => `%%PAPERBOY_RATE_${vote.toUpperCase()}_${paperId}%%`;
const RATE_SLOT = /^%%PAPERBOY_RATE_(UP|DOWN)_(\d+)%%$/;
export function parseRateSlot(slot: string): { paperId: number; vote: 'up' | 'down' } | undefined {
  const match = RATE_SLOT.exec(slot);
  return match ? { paperId: Number(match[2]), vote: match[1] === 'UP' ? 'up' : 'down' } : undefined;
}

export interface PlacedPaper {
  paperId: number;
  /** The line saying why the paper is there; none in the shared digest. */
  why?: string;
}

export interface AssembledDigest {
  subject: string;
  htmlTemplate: string;
  textTemplate: string;
}

const whyHtml = (why: string) =>
  `<p style="margin:0 0 8px;font-size:13px;color:#a33f1b;font-weight:600" class="pb-accent">${escapeHtml(why)}</p>\n`;
const whyText = (why: string) => `${wrapText(why, { indent: '    ' }).join('\n')}\n`;

/** "28 Nov — <lead title> + 9 more", as editionSubject says it. */
function subjectOf(editionDate: string, lead: string, count: number): string {
  return withoutBidiControls(`${shortDate(editionDate)} — ${lead}${count > 1 ? ` + ${count - 1} more` : ''}`);
}

function placedBlocks(kit: DigestKit, papers: readonly PlacedPaper[]) {
  return papers.map((placed) => {
    const block = kit.blocks[String(placed.paperId)];
    if (!block) throw new Error(`paper ${placed.paperId} is not in the edition's pool`);
    return { placed, block };
  });
}

/** The subject, heading and inbox preview of a digest whose first block leads. */
function digestLines(editionDate: string, blocks: readonly { block: PaperBlocks }[]) {
  const lead = blocks[0]?.block;
  return {
    subject: subjectOf(editionDate, lead?.subjectLead ?? 'Trending papers', blocks.length),
    heading: editionHeading(blocks.length),
    preview: lead?.preview ?? 'The day’s trending research papers.',
  };
}

/** The digest of `papers`, in that order (each must be in the kit). */
export function assembleDigest(kit: DigestKit, editionDate: string, papers: readonly PlacedPaper[]): AssembledDigest {
  const blocks = placedBlocks(kit, papers);
  let html = '';
  let text = '';
  blocks.forEach(({ placed, block }, index) => {
    const rank = String(index + 1);
    const featured = index < FEATURED_PAPERS;
    if (index === FEATURED_PAPERS) html += kit.alsoRising;
    html += (featured ? block.card : block.row).replace(RANK_SLOT, rank).replace(WHY_SLOT, () => (placed.why ? whyHtml(placed.why) : ''));
    text += (featured ? block.textFeatured : block.textCompact)
      .replace(TEXT_RANK_MARK, `${rank.padStart(2)}. `)
      .replace(WHY_SLOT, () => (placed.why ? whyText(placed.why) : ''));
  });
  const { subject, heading, preview } = digestLines(editionDate, blocks);
  const fill = (skeleton: string, papersPart: string) =>
    skeleton.replace(PAPERS_SLOT, () => papersPart).replace(HEADING_SLOT, () => escapeHtml(heading));
  return {
    subject,
    htmlTemplate: fill(kit.htmlSkeleton, html).replace(PREVIEW_SLOT, () => escapeHtml(preview)),
    textTemplate: kit.textSkeleton.replace(PAPERS_SLOT, () => text).replace(HEADING_SLOT, () => heading),
  };
}

/** A block's or skeleton's text cut at every slot (the rank mark included), QP-encoded once. */
const ASSEMBLY_SLOTS = new RegExp(`${SLOT_PATTERN.source}|${TEXT_RANK_MARK}`, 'g');
const encode = (template: string) => encodePieces(template, ASSEMBLY_SLOTS);

interface EncodedBlocks {
  card: BodyPiece[];
  row: BodyPiece[];
  textFeatured: BodyPiece[];
  textCompact: BodyPiece[];
}
interface EncodedSkeleton {
  html: BodyPiece[];
  text: BodyPiece[];
  alsoRising: BodyPiece[];
}

// Encoded once per block and kit object for the life of the process's edition cache: the week's kit holds the
// day's block objects, so they are encoded once for both.
const encodedBlocks = new WeakMap<PaperBlocks, EncodedBlocks>();
const encodedSkeletons = new WeakMap<DigestKit, EncodedSkeleton>();

function blocksOf(block: PaperBlocks): EncodedBlocks {
  let encoded = encodedBlocks.get(block);
  if (!encoded) {
    encoded = {
      card: encode(block.card),
      row: encode(block.row),
      textFeatured: encode(block.textFeatured),
      textCompact: encode(block.textCompact),
    };
    encodedBlocks.set(block, encoded);
  }
  return encoded;
}

function skeletonOf(kit: DigestKit): EncodedSkeleton {
  let encoded = encodedSkeletons.get(kit);
  if (!encoded) {
    encoded = { html: encode(kit.htmlSkeleton), text: encode(kit.textSkeleton), alsoRising: encode(kit.alsoRising) };
    encodedSkeletons.set(kit, encoded);
  }
  return encoded;
}

/** `pieces` with the slots named in `values` filled (an empty value leaves nothing), the others kept for send time. */
function fill(out: BodyPiece[], pieces: readonly BodyPiece[], values: Readonly<Record<string, string | readonly BodyPiece[]>>): void {
  for (const piece of pieces) {
    const value = 'slot' in piece ? values[piece.slot] : undefined;
    if (value === undefined) out.push(piece);
    else if (typeof value !== 'string') out.push(...value);
    else if (value !== '') out.push(ownPiece(value));
  }
}

/**
 * The same digest as `assembleDigest`, as QP-encoded pieces: each paper's blocks encoded once per edition, per
 * reader only their ranks, lines of why, heading and preview. Decoded, its parts are `assembleDigest`'s templates.
 */
export function assembleEncodedDigest(
  kit: DigestKit,
  editionDate: string,
  papers: readonly PlacedPaper[],
): Omit<JoinedDigestTemplate, 'editionDate'> {
  const blocks = placedBlocks(kit, papers);
  const skeleton = skeletonOf(kit);
  const html: BodyPiece[] = [];
  const text: BodyPiece[] = [];
  blocks.forEach(({ placed, block }, index) => {
    const rank = String(index + 1);
    const featured = index < FEATURED_PAPERS;
    const encoded = blocksOf(block);
    if (index === FEATURED_PAPERS) html.push(...skeleton.alsoRising);
    fill(html, featured ? encoded.card : encoded.row, { [RANK_SLOT]: rank, [WHY_SLOT]: placed.why ? whyHtml(placed.why) : '' });
    fill(text, featured ? encoded.textFeatured : encoded.textCompact, {
      [TEXT_RANK_MARK]: `${rank.padStart(2)}. `,
      [WHY_SLOT]: placed.why ? whyText(placed.why) : '',
    });
  });
  const { subject, heading, preview } = digestLines(editionDate, blocks);
  const htmlPieces: BodyPiece[] = [];
  const textPieces: BodyPiece[] = [];
  fill(htmlPieces, skeleton.html, { [PAPERS_SLOT]: html, [HEADING_SLOT]: escapeHtml(heading), [PREVIEW_SLOT]: escapeHtml(preview) });
  fill(textPieces, skeleton.text, { [PAPERS_SLOT]: text, [HEADING_SLOT]: heading });
  return { subject, html: htmlPieces, text: textPieces };
}
