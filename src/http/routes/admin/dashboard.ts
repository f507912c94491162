import type { FastifyInstance } from 'fastify';
import { editionOutcomes, pausedEditions, readersByDay, reportsByDay } from '../../../db/dashboard.ts';
import { queueStats } from '../../../queue/queue-stats.ts';
import type { HttpDeps } from '../../deps.ts';
import { dashboardPage } from '../../pages/admin/dashboard.ts';

export const READER_DAYS = 90;
export const REPORT_DAYS = 30;
export const EDITIONS_SHOWN = 30;

export async function adminDashboardRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { pool, env, queues } = services;
  app.get('/admin', async (_request, reply) => {
    const [readers, editions, reports, queueDepths, paused] = await Promise.all([
      readersByDay(pool, READER_DAYS, env.DIGEST_TZ),
      editionOutcomes(pool, EDITIONS_SHOWN),
      reportsByDay(pool, REPORT_DAYS, env.DIGEST_TZ),
      queueStats(queues),
      pausedEditions(pool),
    ]);
    return reply
      .type('text/html; charset=utf-8')
      .send(dashboardPage({ readers, editions, reports, queues: queueDepths, paused, csrf: reply.generateCsrf() }));
  });
}
