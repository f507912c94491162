// The feeds: GET /feed.xml (Atom) and GET /feed.json (JSON Feed) of the newest editions.
import type { FastifyInstance } from 'fastify';
import { listRecentEditions } from '../../db/editions.ts';
import { buildFeed, FEED_EDITIONS } from '../../digest/feed.ts';
import type { HttpDeps } from '../deps.ts';

export async function feedRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { env, pool } = services;
  const feed = async () => buildFeed(await listRecentEditions(pool, FEED_EDITIONS), { publicUrl: env.PUBLIC_URL });

  app.get(
    '/feed.xml',
    { schema: { summary: 'The newest editions as an Atom feed', tags: ['editions'], produces: ['application/atom+xml'] } },
    async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=300')
        .type('application/atom+xml; charset=utf-8')
        .send((await feed()).atom1()),
  );

  app.get(
    '/feed.json',
    { schema: { summary: 'The newest editions as a JSON Feed', tags: ['editions'], produces: ['application/feed+json'] } },
    async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=300')
        .type('application/feed+json; charset=utf-8')
        .send((await feed()).json1()),
  );
}
