// The web archive: every edition as a page ("view in browser" in the email). Same for everyone, no personal data.
import type { FastifyInstance } from 'fastify';
import { isEditionDate } from '../../digest/calendar.ts';
import { paperView } from '../../digest/digest-view.ts';
import { findEditionByDate, listEditions } from '../../db/editions.ts';
import type { HttpDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { html, trusted } from '../html.ts';
import { layout } from '../pages/layout.ts';

const EDITION_STYLE = trusted(`<style>
.paper{border-top:1px solid var(--line);padding:1.1rem 0}.paper h2{font:700 1.2rem/1.3 Georgia,serif;margin:.2rem 0 .35rem}
.paper h2 a{color:var(--fg);text-decoration:none}.paper h2 a:hover{text-decoration:underline}
.rank{font-size:.8rem;color:var(--muted)}.votes{display:inline-block;margin-left:.4rem;padding:0 .5rem;border-radius:999px;background:color-mix(in srgb,var(--accent) 14%,transparent);color:var(--accent);font-weight:600}
.links a{margin-right:1rem;font-weight:600;text-decoration:none}
</style>`);

export async function editionRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { pool } = services;

  app.get(
    '/editions',
    { schema: { summary: 'The archive of past editions', tags: ['editions'], produces: ['text/html'] } },
    async (_request, reply) => {
      const editions = await listEditions(pool, 90);
      const body = html`<h1>Past editions</h1>
        ${editions.length === 0 ? html`<p>No edition has gone out yet.</p>` : ''}
        <ul>
          ${editions.map(
            (edition) =>
              html`<li>
                <a href="/editions/${edition.editionDate}">${edition.title}</a> <span class="muted">(${edition.paperCount} papers)</span>
              </li>`,
          )}
        </ul>`;
      return reply.header('cache-control', 'public, max-age=300').type('text/html; charset=utf-8').send(layout('Past editions', body));
    },
  );

  app.get<{ Params: { date: string } }>(
    '/editions/:date',
    {
      schema: {
        summary: "One day's edition, as the email showed it",
        tags: ['editions'],
        produces: ['text/html'],
        params: { type: 'object', properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } }, required: ['date'] },
      },
    },
    async (request, reply) => {
      const { date } = request.params;
      const edition = isEditionDate(date) ? await findEditionByDate(pool, date) : undefined;
      if (!edition) throw notFound('There is no edition for that date.');
      const papers = edition.papers.map(paperView);
      const body = html`${EDITION_STYLE}
        <p class="muted">${edition.title.replace(/^Trending papers · /, '')}</p>
        <h1>Today's trending papers</h1>
        ${papers.map(
          (paper) =>
            html`<article class="paper">
              <div class="rank">#${paper.rank}<span class="votes">▲ ${paper.upvotes} ${paper.upvotesLabel}</span></div>
              <h2><a href="${paper.url}">${paper.title}</a></h2>
              <p class="muted">${paper.authors}</p>
              <p>${paper.excerpt}</p>
              <p class="links">
                <a href="${paper.url}">Read the paper →</a
                >${paper.codeUrl ? html`<a href="${paper.codeUrl}">Code${paper.stars ? ` ★ ${paper.stars}` : ''}</a>` : ''}${
                  paper.projectUrl ? html`<a href="${paper.projectUrl}">Project page</a>` : ''
                }
              </p>
            </article>`,
        )}
        <p class="muted"><a href="/editions">Past editions</a> · <a href="/">Get this every morning</a></p>`;
      // Frozen when built: safe to cache hard.
      return reply.header('cache-control', 'public, max-age=86400').type('text/html; charset=utf-8').send(layout(edition.title, body));
    },
  );
}
