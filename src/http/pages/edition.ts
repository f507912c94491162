// The web archive's pages: one edition ("view in browser", shared links), the list of editions, and the sample of
// the latest edition on the subscribe page. They show the email's view (src/digest/digest-view.ts), as HTML pages.
import { EDITION_INTRO, editionHeading, longDate, titleText, type PaperView } from '../../digest/digest-view.ts';
import type { EditionSummary } from '../../db/editions.ts';
import { DAILY_PAPERS_URL } from '../../papers/links.ts';
import { html, trusted, type SafeHtml } from '../html.ts';
import { layout } from './layout.ts';
import { subscribeForm } from './subscription.ts';

export const EDITION_STYLE = trusted(`<style>
.paper{border-top:1px solid var(--line);padding:1rem 0}.paper h2{font:700 1.2rem/1.3 Georgia,serif;margin:.25rem 0 .3rem}
.paper.compact h2{font:700 1.02rem/1.35 system-ui,-apple-system,"Segoe UI",sans-serif}
.paper h2 a{color:var(--fg);text-decoration:none}.paper h2 a:hover{text-decoration:underline}.paper p{margin:.3rem 0}
.votes{display:inline-block;padding:0 .5rem;border-radius:999px;background:color-mix(in srgb,var(--accent) 14%,transparent);color:var(--accent);font-weight:600;font-size:.85rem}
.rank{font-size:.85rem;color:var(--muted);margin-right:.3rem}
.links{font-size:.92rem}.links a{margin-right:.9rem;font-weight:600;text-decoration:none;white-space:nowrap}
.join{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}.join label{flex-basis:100%;margin:0}.join input[type=email]{flex:1 1 12rem;width:auto}.join button{margin:0}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:1.5rem 0 .5rem;font-weight:600}.pager a{text-decoration:none}
.archive{list-style:none;padding:0}.archive li{border-top:1px solid var(--line);padding:.8rem 0}.archive .date{font-weight:700;text-decoration:none}
.archive ol{margin:.3rem 0 0;padding-left:1.3rem;color:var(--muted);font-size:.95rem}
</style>`);

const CREDIT = html`<p class="muted">
  Papers, votes and AI summaries come from <a href="${DAILY_PAPERS_URL}">Hugging Face Daily Papers</a>, curated by AK and the research
  community. A paper without an AI summary shows its abstract’s first sentences.
</p>`;

/** One paper, as a card (the top papers) or a compact row, every link the email has. */
export function paperArticle(paper: PaperView, options: { showAuthors?: boolean } = {}): SafeHtml {
  const links = [...(paper.huggingFaceUrl ? [{ label: 'Hugging Face', url: paper.huggingFaceUrl }] : []), ...paper.links];
  return html`<article class="paper${paper.featured ? '' : ' compact'}">
    <div><span class="rank">${paper.rank}.</span><span class="votes">${paper.votes}</span></div>
    <h2><a href="${paper.url}">${paper.title}</a></h2>
    ${paper.featured || options.showAuthors ? html`<p class="muted">${paper.authors}</p>` : ''}
    <p>${paper.tldr}</p>
    <p class="links">${links.map((link) => html`<a href="${link.url}">${link.label}</a>`)}</p>
  </article>`;
}

/** The compact subscribe form at the top of an archive page, for a reader arriving from a shared link. */
function joinBox(): SafeHtml {
  return subscribeForm({}, { compact: true });
}

export interface EditionPageData {
  editionDate: string;
  papers: PaperView[];
  previous: string | null;
  next: string | null;
}

export function editionPage({ editionDate, papers, previous, next }: EditionPageData): string {
  const date = longDate(editionDate);
  const body = html`${EDITION_STYLE}
    <p class="muted"><a href="/editions">All editions</a></p>
    <h1>${date}</h1>
    <p>${editionHeading(papers.length)}. <span class="muted">${EDITION_INTRO}</span></p>
    ${joinBox()} ${papers.map((paper) => paperArticle(paper, { showAuthors: true }))}
    <nav class="pager" aria-label="Other editions">
      <span>${previous ? html`<a href="/editions/${previous}" rel="prev">← ${longDate(previous)}</a>` : ''}</span>
      <span>${next ? html`<a href="/editions/${next}" rel="next">${longDate(next)} →</a>` : ''}</span>
    </nav>
    ${CREDIT}`;
  return layout(`Trending papers · ${date}`, body);
}

export function editionsIndexPage(editions: readonly EditionSummary[]): string {
  const body = html`${EDITION_STYLE}
    <h1>Past editions</h1>
    <p class="muted">
      Every morning’s papers, newest first. Also as a feed: <a href="/feed.xml">Atom</a> · <a href="/feed.json">JSON Feed</a>.
    </p>
    ${editions.length === 0 ? html`<p>No edition has gone out yet.</p>` : ''}
    <ul class="archive">
      ${editions.map(
        (edition) =>
          html`<li>
            <a class="date" href="/editions/${edition.editionDate}">${longDate(edition.editionDate)}</a>
            <span class="muted">· ${edition.paperCount} ${edition.paperCount === 1 ? 'paper' : 'papers'}</span>
            <ol>
              ${edition.topTitles.map((title) => html`<li>${titleText(title)}</li>`)}
            </ol>
          </li>`,
      )}
    </ul>
    ${joinBox()}`;
  return layout('Past editions', body);
}

/** The subscribe page's "what you get": the latest edition's top papers, and a link to all of it. */
export function editionSample(editionDate: string, papers: readonly PaperView[]): SafeHtml {
  return html`${EDITION_STYLE}
    <section aria-labelledby="sample">
      <h2 id="sample" style="font-size:1.15rem;margin:2rem 0 .2rem">What arrives: the edition of ${longDate(editionDate)}</h2>
      ${papers.map((paper) => paperArticle(paper))}
      <p><a href="/editions/${editionDate}">See the whole edition →</a> &nbsp; <a href="/editions">All editions</a></p>
    </section>`;
}
