// /admin, the operator's console: registered only when ADMIN_PASSWORD_HASH or ADMIN_TOKEN is set (otherwise every
// /admin address is the ordinary 404). Its own plugin context: the session, CSRF and guard apply to it alone.
import type { FastifyInstance } from 'fastify';
import type { Env } from '../../../config/env.ts';
import type { HttpDeps } from '../../deps.ts';
import { registerAdminSession } from '../../admin-session.ts';
import { adminAssetRoutes } from './assets.ts';
import { adminDashboardRoutes } from './dashboard.ts';
import { adminEditionRoutes } from './editions.ts';
import { adminLoginRoutes, installAdminGuard } from './login.ts';
import { adminQueueRoutes } from './queues.ts';
import { adminReaderRoutes } from './readers.ts';

export const adminEnabled = (env: Env) => Boolean(env.ADMIN_PASSWORD_HASH || env.ADMIN_TOKEN);

export async function adminRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { env } = services;
  // The charts' script and style are public files of the uPlot package and our own: served before the guard.
  await app.register(adminAssetRoutes);
  await app.register(async (console) => {
    await registerAdminSession(console, {
      redis: services.redis,
      prefix: env.QUEUE_PREFIX,
      secret: services.keys.adminSession,
      secure: new URL(env.PUBLIC_URL).protocol === 'https:',
      minutes: env.ADMIN_SESSION_MINUTES,
    });
    installAdminGuard(console, env);
    await console.register(adminLoginRoutes, { env });
    await console.register(adminDashboardRoutes, { services });
    await console.register(adminReaderRoutes, { services });
    await console.register(adminEditionRoutes, { services });
    await console.register(adminQueueRoutes, { services });
  });
}
