import type { FastifyInstance, FastifyRequest } from 'fastify';
import { editionOutcomes } from '../../../db/dashboard.ts';
import { findEditionByDate } from '../../../db/editions.ts';
import { UNSUBSCRIBE_PLACEHOLDER } from '../../../digest/render.ts';
import { resumePausedEdition } from '../../../digest/resume.ts';
import type { HttpDeps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { editionPage, editionsPage } from '../../pages/admin/editions.ts';

type DateRequest = FastifyRequest<{ Params: { date: string } }>;

const dateSchema = {
  params: { type: 'object', properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } }, required: ['date'] },
};
const EDITIONS_LISTED = 120;

export async function adminEditionRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { pool } = services;
  const editionOf = async (request: DateRequest) => {
    const edition = await findEditionByDate(pool, request.params.date);
    if (!edition) throw notFound('There is no edition of that date.');
    return edition;
  };

  app.get('/admin/editions', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(editionsPage(reply.generateCsrf(), await editionOutcomes(pool, EDITIONS_LISTED))),
  );

  app.get('/admin/editions/:date', { schema: dateSchema }, async (request: DateRequest, reply) => {
    const edition = await editionOf(request);
    const outcome = (await editionOutcomes(pool, EDITIONS_LISTED)).find((row) => row.id === edition.id);
    return reply.type('text/html; charset=utf-8').send(editionPage(reply.generateCsrf(), edition, outcome));
  });

  // The email as readers got it, their own unsubscribe link left out. Shown in a sandboxed frame: no scripts, no forms.
  app.get('/admin/editions/:date/preview', { schema: dateSchema }, async (request: DateRequest, reply) => {
    const edition = await editionOf(request);
    return reply
      .header('content-security-policy', "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'self'")
      .type('text/html; charset=utf-8')
      .send(edition.htmlTemplate.split(UNSUBSCRIBE_PLACEHOLDER).join('#'));
  });

  // The Resume button: the same path as `paperboy digest --resume` (src/digest/resume.ts).
  app.post('/admin/editions/:date/resume', { schema: dateSchema }, async (request: DateRequest, reply) => {
    const edition = await editionOf(request);
    const outcome = await resumePausedEdition(services, edition);
    request.log.info({ event: 'edition resumed', edition: edition.editionDate, ...outcome }, 'edition resumed by the operator');
    return reply.redirect(`/admin/editions/${edition.editionDate}`, 303);
  });
}
