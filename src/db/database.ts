import pg from 'pg';

/** The same server as `databaseUrl`, database `postgres`: where databases are created, dropped and probed. */
export function adminDatabaseUrl(databaseUrl: string): string {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  return admin.toString();
}

function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
}

async function withAdminClient<T>(databaseUrl: string, timeoutMs: number, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl(databaseUrl), connectionTimeoutMillis: timeoutMs });
  // A server going away between queries must reject the query, not crash the process.
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Resolves when the server of `databaseUrl` answers a query within `timeoutMs`; rejects with its error if not. */
export async function probePostgres(databaseUrl: string, timeoutMs = 3_000): Promise<void> {
  await withAdminClient(databaseUrl, timeoutMs, (client) => client.query('SELECT 1'));
}

/** Creates the database named in `databaseUrl` if it does not exist (connecting to `postgres` to do so). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  if (!name) throw new Error('DATABASE_URL names no database');
  await withAdminClient(databaseUrl, 5_000, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another process
      });
    }
  });
}

/** Drops a database, disconnecting whoever is still on it (tests and benchmarks clean up with it). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  await withAdminClient(databaseUrl, 5_000, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}
