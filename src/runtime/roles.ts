// The parts a process can run: the API, the workers (with the schedules), or both (`paperboy start`).
import { buildApp } from '../http/app.ts';
import { buildMetricsApp, createMetrics, metricsEnabled } from '../http/metrics.ts';
import { startInboundServer } from '../mail/inbound-server.ts';
import { installSchedules, startProcessors } from './processors.ts';
import type { Services } from './services.ts';
import { closeOnSignals, type Closable } from './shutdown.ts';

export interface Roles {
  api: boolean;
  workers: boolean;
  /** The SMTP receiver for bounces, complaints and unsubscribe mails (`paperboy inbound`). */
  inbound?: boolean;
}

/** Starts the asked-for roles and arranges a graceful shutdown on SIGINT/SIGTERM. */
export async function runRoles(services: Services, roles: Roles): Promise<void> {
  const { env, logger } = services;
  // Parts are closed in the order they were started, the connections last. The handlers go in first so a
  // signal that arrives while we are still starting closes what has started rather than killing us mid-way.
  const parts: Closable[] = [];
  closeOnSignals(() => [...parts, { name: 'connections', close: () => services.close() }], logger, env.SHUTDOWN_TIMEOUT_MS);
  if (roles.api) {
    const metrics = metricsEnabled(env) ? createMetrics(services) : undefined;
    const app = await buildApp(services, { metrics });
    await app.listen({ host: env.HOST, port: env.PORT });
    if (metrics && env.METRICS_PORT !== undefined) {
      // Its own listener, so /metrics can be bound where only Prometheus reaches (and asks no token).
      const metricsApp = buildMetricsApp(metrics);
      await metricsApp.listen({ host: env.HOST, port: env.METRICS_PORT });
      logger.info({ listening: `${env.HOST}:${env.METRICS_PORT}` }, 'metrics ready');
      parts.push({ name: 'metrics server', close: () => metricsApp.close() });
    }
    logger.info({ url: env.PUBLIC_URL, listening: `${env.HOST}:${env.PORT}` }, 'api ready');
    if (services.mailer.kind === 'outbox') logger.info(`development outbox: ${env.PUBLIC_URL}/dev/outbox`);
    parts.push({ name: 'http server', close: () => app.close() });
  }
  if (roles.workers) {
    const running = startProcessors(services);
    await installSchedules(services);
    logger.info({ queues: running.workers.map((worker) => worker.name), prefix: env.QUEUE_PREFIX }, 'workers ready');
    parts.push({ name: 'workers', close: () => running.close() });
  }
  if (roles.inbound) {
    const inbound = await startInboundServer(
      { db: services.pool, env, keys: services.keys, logger },
      { host: env.INBOUND_SMTP_HOST, port: env.INBOUND_SMTP_PORT ?? 25, maxBytes: env.INBOUND_MAX_BYTES },
    );
    parts.push({ name: 'inbound SMTP receiver', close: () => inbound.close() });
  }
}
