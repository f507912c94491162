// bull-board, the BullMQ ecosystem's queue dashboard, at /admin/queues: inside the console's plugin context, so
// behind the same login. Its pages load only their own scripts (the CSP's 'self' holds); its fonts from Google
// are refused by the CSP and it falls back to system fonts.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../../deps.ts';

export const QUEUES_PATH = '/admin/queues';

export async function adminQueueRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: Object.values(services.queues).map((queue) => new BullMQAdapter(queue)),
    // @bull-board/fastify carries its own copy of @bull-board/api's types (a patch version apart): the same shape.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Paperboy queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUES_PATH });
}
