// Start-up checks: a dependency the process cannot run without is down, said in one line with what to do.
import { probePostgres } from '../db/database.ts';
import { probeRedis } from '../queue/connection.ts';

/** A dependency the process cannot run without is down: the CLI prints `message` alone, no stack. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/** A connection URL fit for a message: the password masked, no trailing slash. */
function withoutPassword(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

const reasonOf = (error: unknown) => (error as Error).message || (error as { code?: string }).code || 'no answer';

export async function assertPostgresReachable(databaseUrl: string): Promise<void> {
  await probePostgres(databaseUrl).catch((error: unknown) => {
    throw new UnreachableError(
      `PostgreSQL is not reachable at ${withoutPassword(databaseUrl)} (${reasonOf(error)}): start it with ` +
        '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or `docker compose up -d postgres`',
    );
  });
}

export async function assertRedisReachable(redisUrl: string): Promise<void> {
  await probeRedis(redisUrl).catch((error: unknown) => {
    throw new UnreachableError(
      `Redis is not reachable at ${withoutPassword(redisUrl)} (${reasonOf(error)}): start it with ` +
        '`redis-server --daemonize yes` or `docker compose up -d redis`',
    );
  });
}
