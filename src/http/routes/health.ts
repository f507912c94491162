import type { FastifyInstance } from 'fastify';
import { pingDatabase } from '../../db/pool.ts';
import type { HttpDeps } from '../deps.ts';

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

export async function healthRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const schema = { hide: true };

  /** Liveness: the process answers. Never touches a dependency, so a DB outage does not restart us. */
  app.get('/healthz', { schema }, async () => ({ status: 'ok' }));

  /** Readiness: Postgres and Redis both answer within a second. */
  app.get('/readyz', { schema }, async (_request, reply) => {
    const [postgres, redis] = await Promise.allSettled([
      withTimeout(pingDatabase(services.pool), 1_000),
      withTimeout(services.redis.ping(), 1_000),
    ]);
    const checks = { postgres: postgres.status === 'fulfilled' ? 'ok' : 'down', redis: redis.status === 'fulfilled' ? 'ok' : 'down' };
    const ready = checks.postgres === 'ok' && checks.redis === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
}
