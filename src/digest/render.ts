// Renders an edition once: MJML compiled a single time into a skeleton, each paper of the pool rendered once as
// blocks (src/digest/assemble.ts puts them together), the reader's own links left as placeholders.
import type { Env } from '../config/env.ts';
import type { DigestKit, PaperBlocks } from '../db/editions.ts';
import { renderEmail, renderFragment } from '../mail/templates.ts';
import { shortenOnWord } from '../text/summary.ts';
import { editionUrl } from '../subscriptions/links.ts';
import { assembleDigest, HEADING_SLOT, PAPERS_SLOT, PREFERENCES_SLOT, PREVIEW_SLOT, rateSlot, TEXT_RANK_MARK } from './assemble.ts';
import { digestView, FEATURED_PAPERS, paperView, titleText, type EditionPaper } from './digest-view.ts';

/** Filled per recipient at send time; survives Handlebars escaping and MJML untouched. */
export const UNSUBSCRIBE_PLACEHOLDER = '%%PAPERBOY_UNSUBSCRIBE_URL%%';

export interface RenderedEdition {
  title: string;
  subject: string;
  /** The shared digest: the edition's papers in trending order, no lines of why. */
  htmlTemplate: string;
  textTemplate: string;
  kit: DigestKit;
}

/**
 * MJML indents its tables generously; a fifth of the bytes is indentation. A newline and its indent
 * render exactly like a newline (whitespace collapses in HTML; there is no <pre> in a digest).
 */
export function compactHtml(html: string): string {
  return html.replace(/\n[ \t]+/g, '\n').replace(/\n{2,}/g, '\n');
}

const ALSO_RISING =
  '<div style="padding:10px 4px 2px;font-size:12px;font-weight:700;letter-spacing:0.06em;color:#6b665d" class="pb-muted">ALSO RISING</div>\n';

/** A paper's blocks. Its rank and line of why are slots; so are its rating links, signed per reader at send time. */
function paperBlocks(paper: EditionPaper): PaperBlocks {
  const slots = { rateUp: rateSlot(paper.id, 'up'), rateDown: rateSlot(paper.id, 'down'), rankMark: TEXT_RANK_MARK };
  const card = { ...paperView({ ...paper, rank: 1 }), ...slots };
  const row = { ...paperView({ ...paper, rank: FEATURED_PAPERS + 1 }), ...slots };
  return {
    card: compactHtml(renderFragment('digest', 'paper-card', card)),
    row: compactHtml(renderFragment('digest', 'paper-row', row)),
    textFeatured: renderFragment('digest', 'paper.txt', card),
    textCompact: renderFragment('digest', 'paper.txt', row),
    subjectLead: shortenOnWord(titleText(paper.title), 70),
    preview: shortenOnWord(card.tldr, 140),
  };
}

/**
 * `papers`: the edition's own (its shared digest, in rank order); `pool`: every candidate a reader's digest may
 * choose from (the edition's papers among them). One MJML compilation whatever the pool's size.
 */
export async function renderEdition(
  env: Pick<Env, 'PUBLIC_URL'>,
  editionDate: string,
  papers: readonly EditionPaper[],
  pool: readonly EditionPaper[] = papers,
): Promise<RenderedEdition> {
  const view = digestView(editionDate, papers, {
    browserUrl: editionUrl(env, editionDate),
    homeUrl: new URL('/', env.PUBLIC_URL).toString(),
    unsubscribeUrl: UNSUBSCRIBE_PLACEHOLDER,
  });
  const { html, text } = await renderEmail('digest', {
    ...view,
    heading: HEADING_SLOT,
    preview: PREVIEW_SLOT,
    papersHtml: PAPERS_SLOT,
    papersText: PAPERS_SLOT,
    preferencesUrl: PREFERENCES_SLOT,
  });
  const blocks: Record<string, PaperBlocks> = {};
  for (const paper of [...papers, ...pool]) blocks[String(paper.id)] ??= paperBlocks(paper);
  const kit: DigestKit = { htmlSkeleton: compactHtml(html), textSkeleton: text, alsoRising: ALSO_RISING, blocks };
  const shared = assembleDigest(
    kit,
    editionDate,
    papers.map((paper) => ({ paperId: paper.id })),
  );
  return { title: view.title, subject: shared.subject, htmlTemplate: shared.htmlTemplate, textTemplate: shared.textTemplate, kit };
}
