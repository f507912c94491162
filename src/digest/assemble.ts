// A digest's templates from the edition's kit: the compiled skeleton and the papers' blocks, rendered once per
// edition, put together in a reader's order with their lines of why. Pure string work: no MJML, no Handlebars.
// The shared digest is assembled the same way (trending order, no why lines), once, when the edition is built.
import type { DigestKit } from '../db/editions.ts';
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

/** The digest of `papers`, in that order (each must be in the kit). */
export function assembleDigest(kit: DigestKit, editionDate: string, papers: readonly PlacedPaper[]): AssembledDigest {
  const blocks = papers.map((placed) => {
    const block = kit.blocks[String(placed.paperId)];
    if (!block) throw new Error(`paper ${placed.paperId} is not in the edition's pool`);
    return { placed, block };
  });
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
  const lead = blocks[0]?.block;
  const heading = editionHeading(blocks.length);
  const preview = lead?.preview ?? 'The day’s trending research papers.';
  const fill = (skeleton: string, papersPart: string) =>
    skeleton.replace(PAPERS_SLOT, () => papersPart).replace(HEADING_SLOT, () => escapeHtml(heading));
  return {
    subject: subjectOf(editionDate, lead?.subjectLead ?? 'Trending papers', blocks.length),
    htmlTemplate: fill(kit.htmlSkeleton, html).replace(PREVIEW_SLOT, () => escapeHtml(preview)),
    textTemplate: kit.textSkeleton.replace(PAPERS_SLOT, () => text).replace(HEADING_SLOT, () => heading),
  };
}
