import { createHash } from 'node:crypto';
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
  });
  // An idle client losing its server (Postgres restart) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', prepareParameterisedQueries);
  return pool;
}

const statementNames = new Map<string, string>();
/** Our SQL is a fixed set of named queries; past this many distinct texts something is generating SQL. */
const MAX_PREPARED_TEXTS = 1_000;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED_TEXTS) {
    name = `pb_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs every parameterised query as a named prepared statement, so Postgres parses and plans each of our
 * queries once per connection instead of on every call: the subscribe statement (a CTE of five parts)
 * spent more time in the planner than executing, and preparing it doubled its rate.
 */
function prepareParameterisedQueries(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) && values.length > 0 ? statementName(text) : undefined;
    if (name === undefined) return callback === undefined ? query(text, values) : query(text, values, callback);
    return callback === undefined ? query({ name, text, values }) : query({ name, text, values }, callback);
  }) as typeof client.query;
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
