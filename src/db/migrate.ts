import { runner } from 'node-pg-migrate';
import { MIGRATIONS_DIR } from '../paths.ts';
import { ensureDatabase } from './database.ts';

export interface MigrationLog {
  info(message: string): void;
}

/** Creates the database if missing and applies pending migrations; safe to run again and concurrently. */
export async function migrate(databaseUrl: string, log?: MigrationLog): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    log: () => {},
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const names = applied.map((migration) => migration.name);
  if (log && names.length > 0) log.info(`applied migrations: ${names.join(', ')}`);
  return names;
}
