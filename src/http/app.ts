// The HTTP app is one plugin tree built by a function; only the CLI's `api`/`start` listen on a port.
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { createRedis } from '../queue/connection.ts';
import type { HttpDeps } from './deps.ts';
import { AccessLog } from './access-log.ts';
import { HttpError, installErrorHandler } from './errors.ts';
import { html } from './html.ts';
import { layout } from './pages/layout.ts';
import { coalescingRedisStore } from './rate-limit-store.ts';
import { answer } from './reply.ts';
import { securityHeaderOptions, securityHeaders, securityHeadersPlugin } from './security-headers.ts';
import { editionRoutes } from './routes/editions.ts';
import { feedRoutes } from './routes/feeds.ts';
import { healthRoutes } from './routes/health.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { createMetrics, metricsEnabled, metricsRoutes, type Metrics } from './metrics.ts';
import { adminEnabled, adminRoutes } from './routes/admin/index.ts';
import { myDataRoutes } from './routes/my-data.ts';
import { preferencesRoutes } from './routes/preferences.ts';
import { subscriptionRoutes } from './routes/subscription.ts';
import { webhookRoutes, type WebhookFetch } from './routes/webhooks.ts';

/**
 * The rate limiter's own Redis connection. Auto-pipelined: the counter scripts of one event-loop tick go out
 * in one socket write instead of one write each (a fifth of the subscribe path's CPU when it shared the
 * queues' connection). Unlike the queues' connection it gives up quickly, so an unreachable Redis lets
 * requests be counted by this process alone (rate-limit-store.ts) within RATE_LIMIT_COMMAND_TIMEOUT_MS rather than
 * holding them until Redis returns.
 */
function rateLimitRedis(redisUrl: string, app: FastifyInstance): Redis {
  const redis = createRedis(redisUrl, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    commandTimeout: RATE_LIMIT_COMMAND_TIMEOUT_MS,
  });
  app.addHook('onClose', async () => redis.disconnect());
  return redis;
}
const RATE_LIMIT_COMMAND_TIMEOUT_MS = 500;

function errorPage(status: number, message: string): string {
  const [title, heading] =
    status === 404 ? ['Not found', 'Not found'] : status >= 500 ? ['Unavailable', 'Sorry'] : ['Something is wrong', 'That did not work'];
  return layout(
    title,
    html`<h1>${heading}</h1>
      <p>${message}</p>
      <p><a href="/">Back to the start</a></p>`,
  );
}

/** Believes the X-Forwarded-For entries added by the `hops` proxies nearest to us, and no further. */
function trustHops(hops: number): false | ((address: string, hop: number) => boolean) {
  return hops > 0 && ((_address, hop) => hop < hops);
}

/** The OpenAPI description and Swagger UI at /docs (DOCS_ENABLED; off in production unless asked for). */
async function registerDocs(app: FastifyInstance, publicUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Paperboy', version: '1', description: 'Subscribe to the daily digest of trending research papers.' },
      servers: [{ url: publicUrl }],
      tags: [{ name: 'subscription', description: 'Subscribe, confirm (double opt-in), unsubscribe (RFC 8058 one-click), resubscribe.' }],
    },
  });
  await app.register(async (docs) => {
    // Swagger UI redirects /docs/static/index.html to itself, query kept, when it has a query: forever. Send it home.
    docs.addHook('onRequest', async (request, reply) => {
      if (request.url.startsWith('/docs/static/index.html?')) return reply.redirect('/docs/', 302);
    });
    await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  });
}

export interface BuildOptions {
  /** Sees every route as it is added (the fuzz test enumerates routes with it). */
  onRoute?: (route: RouteOptions) => void;
  /** How the SES webhook GETs SNS URLs (tests pass their own); default: fetch. */
  webhookFetch?: WebhookFetch;
  /** The metrics this app records into and serves (METRICS_TOKEN / METRICS_PORT); default: its own. */
  metrics?: Metrics;
}

export async function buildApp(services: HttpDeps, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { env } = services;
  const headerOptions = securityHeaderOptions(env.PUBLIC_URL);
  const frameworkErrorHeaders = securityHeaders(headerOptions);
  const app = Fastify({
    loggerInstance: services.logger.child({ part: 'api' }) as FastifyBaseLogger,
    logController: new AccessLog(),
    // A hop count as the function Fastify would build from it (its types take no number).
    trustProxy: typeof env.TRUST_PROXY === 'number' ? trustHops(env.TRUST_PROXY) : env.TRUST_PROXY,
    bodyLimit: 64 * 1024,
    // Slow clients: the whole request within HTTP_REQUEST_TIMEOUT_MS (Node checks every second, not every 30 s).
    requestTimeout: env.HTTP_REQUEST_TIMEOUT_MS,
    http: { connectionsCheckingInterval: 1000, headersTimeout: Math.min(60_000, env.HTTP_REQUEST_TIMEOUT_MS) },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // A malformed or over-long URL is refused by the router, before any error handler: answer it our way
    // (Fastify's default names its internal error code and echoes the URL).
    frameworkErrors: (error, request, raw) => {
      // Answered before any hook runs, so the security headers plugin never sees it: set them here.
      const reply = (raw as FastifyReply).headers(frameworkErrorHeaders);
      const status = error.statusCode === 414 ? 414 : 400;
      const message = status === 414 ? 'That web address is too long.' : 'That web address is not valid.';
      return answer(request, reply, status, { error: status === 414 ? 'uri_too_long' : 'bad_url', message }, () =>
        errorPage(status, message),
      );
    },
  });
  app.server.maxConnections = env.HTTP_MAX_CONNECTIONS;
  if (options.onRoute) app.addHook('onRoute', options.onRoute);

  // Ecosystem plugins first, then our routes.
  await app.register(securityHeadersPlugin, headerOptions);
  // Load shedding: past its limits the API answers 503 + Retry-After at once instead of queueing work it
  // cannot finish, and serves again as soon as the next sample is healthy. Liveness is never shed.
  // Two limits: a lagging event loop (CPU-bound overload) and a long queue for database connections
  // (the subscribe path is bound by Postgres commits long before Node's CPU).
  const maxDbWaiting = env.OVERLOAD_MAX_DB_WAITING;
  await app.register(underPressure, {
    maxEventLoopDelay: env.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: env.OVERLOAD_MAX_HEAP_USED_MB * 1024 * 1024,
    sampleInterval: 250,
    ...(maxDbWaiting > 0 && { healthCheck: async () => services.pool.waitingCount <= maxDbWaiting, healthCheckInterval: 250 }),
    pressureHandler: (request, reply) => {
      if (request.url === '/healthz') return undefined;
      reply.header('retry-after', String(env.OVERLOAD_RETRY_AFTER_SECONDS));
      return Promise.reject(new HttpError(503, 'overloaded', 'The service is busy right now. Please try again in a few seconds.'));
    },
  });
  await app.register(formbody);
  // Counters live in Redis so the limit holds across API processes; routes opt in (POST /subscribe).
  // If Redis is away, each process counts on its own (rate-limit-store.ts) rather than all failing or hanging.
  await app.register(rateLimit, {
    global: false,
    store: coalescingRedisStore(rateLimitRedis(env.REDIS_URL, app), `${env.QUEUE_PREFIX}:rate-limit:`),
    // Counted per client address, an IPv6 client per /64 (the plugin's default ipv6Subnet: tests/hardening-bombing).
    skipOnError: true,
    // Only a refused request says where the limit stands (429 with Retry-After and the x-ratelimit-* headers):
    // an accepted subscribe carries none, so every accepted answer is the same bytes (the remaining count would
    // differ from one to the next) and a client is not told how many tries it has left.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `Too many attempts from your network. Please wait ${context.after} and try again.`),
  });
  if (env.DOCS_ENABLED ?? env.NODE_ENV !== 'production') await registerDocs(app, env.PUBLIC_URL);

  if (metricsEnabled(env)) {
    const metrics = options.metrics ?? createMetrics(services);
    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    if (env.METRICS_TOKEN) await app.register(metricsRoutes, { metrics, token: env.METRICS_TOKEN });
  }

  installErrorHandler(app, errorPage);
  app.setNotFoundHandler((request, reply) => {
    const message = 'There is nothing at this address.';
    return answer(request, reply, 404, { error: 'not_found', message }, () => errorPage(404, message));
  });

  await app.register(healthRoutes, { services });
  await app.register(subscriptionRoutes, { services });
  await app.register(myDataRoutes, { services });
  await app.register(preferencesRoutes, { services });
  await app.register(editionRoutes, { services });
  await app.register(feedRoutes, { services });
  // Each provider's route exists only when its secret is set (src/http/routes/webhooks.ts).
  await app.register(webhookRoutes, { services, fetchText: options.webhookFetch });
  if (env.NODE_ENV !== 'production' && services.mailer.kind === 'outbox') await app.register(outboxRoutes, { services });
  // The operator's console exists only when it has a secret: otherwise /admin is the ordinary 404.
  if (adminEnabled(env)) await app.register(adminRoutes, { services });

  return app;
}
