// The web archive: every edition as a page ("view in browser" in the email). Same for everyone, no personal data.
import type { FastifyInstance } from 'fastify';
import { isEditionDate } from '../../digest/calendar.ts';
import { paperView } from '../../digest/digest-view.ts';
import { adjacentEditionDates, findEditionByDate, listEditionSummaries } from '../../db/editions.ts';
import type { HttpDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { editionPage, editionsIndexPage } from '../pages/edition.ts';

export async function editionRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { pool } = services;

  app.get(
    '/editions',
    { schema: { summary: 'The archive of past editions', tags: ['editions'], produces: ['text/html'] } },
    async (_request, reply) => {
      const editions = await listEditionSummaries(pool, 90);
      return reply.header('cache-control', 'public, max-age=300').type('text/html; charset=utf-8').send(editionsIndexPage(editions));
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
      const { previous, next } = await adjacentEditionDates(pool, date);
      const page = editionPage({ editionDate: date, papers: edition.papers.map(paperView), previous, next });
      // The papers are frozen, but the "next" link appears when the next edition does: cache for an hour, not a day.
      return reply.header('cache-control', 'public, max-age=3600').type('text/html; charset=utf-8').send(page);
    },
  );
}
