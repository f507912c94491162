// /metrics for Prometheus (prom-client). What lives in Postgres and Redis (readers, deliveries, SMTP replies, the
// send latency, the queues) is read when Prometheus scrapes, so it is right whichever processes sent the mail and
// however many API processes answer. Only the HTTP request durations are this process's own: one series per API
// process (Prometheus tells them apart by instance; sum them with `sum by (le)`).
import { secretsEqual } from '../security/secrets.ts';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Env } from '../config/env.ts';
import { deliveriesByState, readersByState, sendLatency, smtpRepliesByClass } from '../db/dashboard.ts';
import { queueStats } from '../queue/queue-stats.ts';
import type { HttpDeps } from './deps.ts';
import { HttpError } from './errors.ts';

/** Seconds from the fan-out to the SMTP server's acceptance. */
export const SEND_LATENCY_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

export interface Metrics {
  registry: Registry;
  /** Records one answered request (route pattern, never the URL with its tokens). */
  observeRequest(request: FastifyRequest, statusCode: number, seconds: number): void;
}

export const metricsEnabled = (env: Env) => env.METRICS_TOKEN !== undefined || env.METRICS_PORT !== undefined;

export function createMetrics(deps: Pick<HttpDeps, 'pool' | 'queues'>): Metrics {
  const registry = new Registry();
  const { pool, queues } = deps;
  new Gauge({
    name: 'paperboy_readers',
    help: 'Readers by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [state, count] of Object.entries(await readersByState(pool))) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'paperboy_deliveries',
    help: 'Deliveries by edition and state (editions whose rows are kept, DELIVERY_RETENTION_DAYS).',
    labelNames: ['edition', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await deliveriesByState(pool)) this.set({ edition: row.editionDate, state: row.status }, row.count);
    },
  });
  new Gauge({
    name: 'paperboy_smtp_replies',
    help: "Final SMTP replies to the kept deliveries by class (2xx accepted, 4xx/5xx refused; 'none': no reply).",
    labelNames: ['class'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await smtpRepliesByClass(pool)) this.set({ class: row.class }, row.count);
    },
  });
  new Gauge({
    name: 'paperboy_queue_jobs',
    help: 'BullMQ jobs by queue and state.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const stats of await queueStats(queues)) {
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ queue: stats.name, state }, stats[state]);
      }
    },
  });
  new Gauge({
    name: 'paperboy_queue_workers',
    help: 'Workers connected to each queue.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const stats of await queueStats(queues)) this.set({ queue: stats.name }, stats.workers);
    },
  });
  registry.registerMetric(sendLatencyHistogram(pool));
  const requests = new Histogram({
    name: 'paperboy_http_request_duration_seconds',
    help: 'HTTP requests answered by this API process, by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    observeRequest(request, statusCode, seconds) {
      requests.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(statusCode) }, seconds);
    },
  };
}

/** A histogram whose counts Postgres computes at scrape time: prom-client's own Histogram only counts observations. */
function sendLatencyHistogram(pool: HttpDeps['pool']) {
  const name = 'paperboy_send_latency_seconds';
  const help = 'Kept sent deliveries: seconds from the fan-out to the SMTP server accepting the email.';
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const latency = await sendLatency(pool, SEND_LATENCY_BUCKETS);
      return {
        name,
        help,
        type: 'histogram',
        aggregator: 'sum',
        values: [
          ...SEND_LATENCY_BUCKETS.map((le, index) => ({
            metricName: `${name}_bucket`,
            labels: { le: String(le) },
            value: latency.buckets[index] ?? 0,
          })),
          { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: latency.count },
          { metricName: `${name}_sum`, labels: {}, value: latency.sum },
          { metricName: `${name}_count`, labels: {}, value: latency.count },
        ],
      };
    },
    reset() {},
  } as unknown as Parameters<Registry['registerMetric']>[0];
}

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time. */
export function metricsTokenMatches(token: string, header: string | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  return secretsEqual(header.slice(7).trim(), token);
}

async function sendMetrics(registry: Registry, reply: import('fastify').FastifyReply) {
  return reply
    .header('cache-control', 'no-store')
    .type(registry.contentType)
    .send(await registry.metrics());
}

/** /metrics on the API's port, for a request carrying METRICS_TOKEN. */
export async function metricsRoutes(app: FastifyInstance, { metrics, token }: { metrics: Metrics; token: string }) {
  app.get('/metrics', async (request, reply) => {
    if (!metricsTokenMatches(token, request.headers.authorization)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new HttpError(401, 'unauthorized', 'Send Authorization: Bearer <METRICS_TOKEN>.');
    }
    return sendMetrics(metrics.registry, reply);
  });
}

/** /metrics alone on METRICS_PORT: bind it where only Prometheus reaches (no token asked there). */
export function buildMetricsApp(metrics: Metrics): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => sendMetrics(metrics.registry, reply));
  return app;
}
