// Settings the service keeps for itself.
import { randomBytes } from 'node:crypto';
import type { Queryable } from './pool.ts';

/**
 * The development SECRET_KEY: generated on first run and kept in the database, so tokens in emails already
 * sent survive restarts and every process agrees on it. Production must configure SECRET_KEY instead.
 */
export async function developmentSecret(db: Queryable): Promise<string> {
  await db.query(`INSERT INTO settings (name, value) VALUES ('secret_key', $1) ON CONFLICT (name) DO NOTHING`, [
    randomBytes(32).toString('base64url'),
  ]);
  const { rows } = await db.query<{ value: string }>(`SELECT value FROM settings WHERE name = 'secret_key'`);
  return rows[0]!.value;
}
