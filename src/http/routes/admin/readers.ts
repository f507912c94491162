// The console's readers: search, a reader's page and its actions (unsubscribe, suppress, lift, export, erase),
// and the suppressions list. Every action is a POST with the session's CSRF token (src/http/routes/admin/login.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { eraseReader, exportReader } from '../../../db/reader-data.ts';
import { findReader, readerDeliveries, readerEvents, searchReaders } from '../../../db/readers.ts';
import { unsubscribeSubscriber } from '../../../db/subscribers.ts';
import { listSuppressions, suppressSubscriber } from '../../../db/suppressions.ts';
import { erasedAddressKey } from '../../../security/keys.ts';
import { liftSuppressionByHand } from '../../../subscriptions/suppression-lift.ts';
import type { HttpDeps } from '../../deps.ts';
import { HttpError, notFound } from '../../errors.ts';
import * as pages from '../../pages/admin/readers.ts';

type ReaderRequest = FastifyRequest<{ Params: { id: string }; Body: { force?: string } | undefined }>;

const idSchema = { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' } }, required: ['id'] } };

export async function adminReaderRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { pool, keys } = services;
  const page = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const readerOf = async (request: ReaderRequest) => {
    const reader = await findReader(pool, Number(request.params.id));
    if (!reader) throw notFound('There is no such reader (erased, or never here).');
    return reader;
  };
  const showReader = async (request: ReaderRequest, reply: FastifyReply, notice?: string) => {
    const reader = await readerOf(request);
    const [events, deliveries, data] = await Promise.all([
      readerEvents(pool, reader.id),
      readerDeliveries(pool, reader.id),
      exportReader(pool, reader.id),
    ]);
    return page(reply, pages.readerPage({ reader, events, deliveries, other: data?.tables ?? {}, csrf: reply.generateCsrf(), notice }));
  };

  app.get<{ Querystring: { q?: string } }>(
    '/admin/readers',
    { schema: { querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 320 } } } } },
    async (request, reply) => {
      const query = (request.query.q ?? '').trim();
      return page(reply, pages.readerSearchPage(reply.generateCsrf(), query, await searchReaders(pool, query)));
    },
  );

  app.get('/admin/readers/:id', { schema: idSchema }, (request: ReaderRequest, reply) => showReader(request, reply));

  app.post('/admin/readers/:id/unsubscribe', { schema: idSchema }, async (request: ReaderRequest, reply) => {
    const reader = await readerOf(request);
    const result = await unsubscribeSubscriber(pool, reader.id, 'unsubscribed by the operator');
    return showReader(request, reply, result.kind === 'known' && result.changed ? 'Unsubscribed.' : 'Nothing to change: not subscribed.');
  });

  app.post('/admin/readers/:id/suppress', { schema: idSchema }, async (request: ReaderRequest, reply) => {
    const reader = await readerOf(request);
    await suppressSubscriber(pool, reader.id, {
      reason: 'manual',
      detail: 'suppressed by the operator',
      event: 'suppressed by the operator',
    });
    return showReader(request, reply, 'Suppressed: never mailed again until the suppression is lifted.');
  });

  app.post('/admin/readers/:id/lift-suppression', { schema: idSchema }, async (request: ReaderRequest, reply) => {
    const reader = await readerOf(request);
    const force = request.body?.force === '1';
    const outcome = await liftSuppressionByHand(pool, reader.email, {
      force,
      reason: `suppression lifted by the operator${force ? ' (forced)' : ''}`,
    });
    if (outcome.kind === 'complaint-needs-force') {
      throw new HttpError(409, 'complaint', 'They reported the digest as spam: tick "lift anyway" to lift it.');
    }
    return showReader(request, reply, outcome.kind === 'lifted' ? `Suppression lifted (was ${outcome.was}).` : 'Not suppressed.');
  });

  app.get('/admin/readers/:id/export', { schema: idSchema }, async (request: ReaderRequest, reply) => {
    const data = await exportReader(pool, Number(request.params.id));
    if (!data) throw notFound('There is no such reader (erased, or never here).');
    return reply
      .header('content-disposition', `attachment; filename="reader-${request.params.id}.json"`)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });

  app.get('/admin/readers/:id/erase', { schema: idSchema }, async (request: ReaderRequest, reply) =>
    page(reply, pages.eraseConfirmPage(await readerOf(request), reply.generateCsrf())),
  );

  app.post('/admin/readers/:id/erase', { schema: idSchema }, async (request: ReaderRequest, reply) => {
    const erasure = await eraseReader(pool, { subscriberId: Number(request.params.id) }, (email) => erasedAddressKey(keys, email));
    if (!erasure.erased) throw notFound('There is no such reader (erased, or never here).');
    request.log.info({ event: 'reader erased', by: 'operator' }, 'reader erased');
    return page(reply, pages.erasedPage(reply.generateCsrf(), erasure.suppressionKept));
  });

  app.get('/admin/suppressions', async (_request, reply) =>
    page(reply, pages.suppressionsPage(reply.generateCsrf(), await listSuppressions(pool))),
  );
}
