// GDPR for readers themselves, from the link in every email's footer (the unsubscribe token proves the inbox):
// download everything held about them as JSON, or erase it (a page with a button, then a POST).
import type { FastifyInstance } from 'fastify';
import { eraseReader, exportReader } from '../../db/reader-data.ts';
import { findSubscriber, subscriberIdOf } from '../../db/subscribers.ts';
import { erasedAddressKey } from '../../security/keys.ts';
import type { HttpDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { erasedPage, erasePromptPage } from '../pages/my-data.ts';
import { answer } from '../reply.ts';
import { claimsOf, TOKEN_MESSAGES, type TokenRequest } from './subscription.ts';

const TOKEN = { type: 'string', maxLength: 256 } as const;
const tokenQuery = { querystring: { type: 'object', properties: { token: TOKEN } } };
const tokenBody = { ...tokenQuery, body: { type: 'object', properties: { token: TOKEN } } };

export async function myDataRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { pool, keys, env } = services;
  /** The row id of the reader the link's token names (an erased reader's is gone: 404). */
  const readerOf = async (request: TokenRequest): Promise<number> => {
    const id = await subscriberIdOf(pool, claimsOf(keys, request, 'unsubscribe').subscriber);
    if (id === undefined) throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
    return id;
  };

  app.get('/my-data', { schema: tokenQuery }, async (request: TokenRequest, reply) => {
    const data = await exportReader(pool, await readerOf(request));
    if (!data) throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', 'attachment; filename="paperboy-my-data.json"')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });

  app.get('/erase', { schema: tokenQuery }, async (request: TokenRequest, reply) => {
    const found = await findSubscriber(pool, await readerOf(request), env.RESUBSCRIBE_WINDOW_DAYS);
    if (!found) throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
    reply.header('cache-control', 'no-store');
    const token = (request.query.token ?? '').toString();
    return answer(request, reply, 200, { status: found.status }, () => erasePromptPage(token, found.emailInput));
  });

  app.post('/erase', { schema: tokenBody }, async (request: TokenRequest, reply) => {
    const erasure = await eraseReader(pool, { subscriberId: await readerOf(request) }, (email) => erasedAddressKey(keys, email));
    if (!erasure.erased) throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
    request.log.info({ event: 'reader erased', by: 'reader' }, 'reader erased');
    reply.header('cache-control', 'no-store');
    return answer(request, reply, 200, { status: 'erased' }, erasedPage);
  });
}
