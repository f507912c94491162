import pg from 'pg';

// int8 (bigint ids, count(*)) fits a JS number for every value this service produces.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));
// `date` columns stay 'YYYY-MM-DD' strings: a calendar day has no time zone to shift.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'paperboy',
    // Every statement here is short (a page, a batch, an index lookup): PostgreSQL's JIT only ever costs. When a
    // plan's estimate crosses jit_above_cost it compiles first — measured at 1,000,000 deliveries: 1,811 ms of JIT
    // for the batch's reader-tastes statement, whose execution took 0.1 ms (BENCHMARKS.md, "A million readers").
    options: '-c jit=off',
  });
  // An idle client losing its server (Postgres restart) must not crash the process.
  pool.on('error', () => {});
  return pool;
}

/** Runs `work` in one transaction on one client; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Resolves when the database answers a trivial query (readiness checks). */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
