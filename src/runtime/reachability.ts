import pg from 'pg';
import { Redis } from 'ioredis';

/** A dependency the process cannot run without is down: the CLI prints `message` alone, no stack. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

export async function assertPostgresReachable(databaseUrl: string): Promise<void> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = (error as Error).message || (error as { code?: string }).code || 'no answer';
    throw new UnreachableError(
      `PostgreSQL is not reachable at ${redactUrl(databaseUrl)} (${reason}): start it with ` +
        '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or `docker compose up -d postgres`',
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export async function assertRedisReachable(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const reason = (error as Error).message || 'no answer';
    throw new UnreachableError(
      `Redis is not reachable at ${redactUrl(redisUrl)} (${reason}): start it with ` +
        '`redis-server --daemonize yes` or `docker compose up -d redis`',
    );
  } finally {
    redis.disconnect();
  }
}
