// The HTTP app is one plugin tree built by a function; only the CLI's `api`/`start` listen on a port.
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Services } from '../runtime/services.ts';
import { installErrorHandler } from './errors.ts';
import { html } from './html.ts';
import { layout } from './pages/layout.ts';
import { healthRoutes } from './routes/health.ts';
import { outboxRoutes } from './routes/outbox.ts';

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { env } = services;
  const app = Fastify({
    loggerInstance: services.logger.child({ part: 'api' }) as FastifyBaseLogger,
    trustProxy: env.TRUST_PROXY,
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });

  // Ecosystem plugins first, then our routes.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { 'form-action': ["'self'"], 'img-src': ["'self'", 'data:'], 'script-src': ["'self'"] },
    },
  });
  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Paperboy', version: '1', description: 'Subscribe to the daily digest of trending research papers.' },
      servers: [{ url: env.PUBLIC_URL }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  installErrorHandler(app, (status, message) =>
    layout(
      status >= 500 ? 'Unavailable' : 'Something is wrong',
      html`<h1>${status >= 500 ? 'Sorry' : 'That did not work'}</h1>
        <p>${message}</p>
        <p><a href="/">Back to the start</a></p>`,
    ),
  );
  app.setNotFoundHandler((request, reply) => {
    const message = 'There is nothing at this address.';
    if ((request.headers.accept ?? '').includes('application/json')) return reply.code(404).send({ error: 'not_found', message });
    return reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(
        layout(
          'Not found',
          html`<h1>Not found</h1>
            <p>${message}</p>
            <p><a href="/">Back to the start</a></p>`,
        ),
      );
  });

  await app.register(healthRoutes, { services });
  if (env.NODE_ENV !== 'production' && services.mailer.kind === 'outbox') await app.register(outboxRoutes, { services });

  return app;
}
