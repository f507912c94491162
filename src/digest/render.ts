// Renders an edition once: MJML compiled a single time, the reader's own links left as placeholders.
import type { Env } from '../config/env.ts';
import { renderEmail } from '../mail/templates.ts';
import { editionUrl } from '../subscriptions/links.ts';
import { digestView, type EditionPaper } from './digest-view.ts';

/** Filled per recipient at send time; survives Handlebars escaping and MJML untouched. */
export const UNSUBSCRIBE_PLACEHOLDER = '%%PAPERBOY_UNSUBSCRIBE_URL%%';

export interface RenderedEdition {
  title: string;
  subject: string;
  htmlTemplate: string;
  textTemplate: string;
}

/**
 * MJML indents its tables generously; a fifth of the bytes is indentation. A newline and its indent
 * render exactly like a newline (whitespace collapses in HTML; there is no <pre> in a digest).
 */
export function compactHtml(html: string): string {
  return html.replace(/\n[ \t]+/g, '\n').replace(/\n{2,}/g, '\n');
}

export async function renderEdition(
  env: Pick<Env, 'PUBLIC_URL'>,
  editionDate: string,
  papers: readonly EditionPaper[],
): Promise<RenderedEdition> {
  const view = digestView(editionDate, papers, {
    browserUrl: editionUrl(env, editionDate),
    homeUrl: new URL('/', env.PUBLIC_URL).toString(),
    unsubscribeUrl: UNSUBSCRIBE_PLACEHOLDER,
  });
  const { html, text } = await renderEmail('digest', view);
  return { title: view.title, subject: view.subject, htmlTemplate: compactHtml(html), textTemplate: text };
}
