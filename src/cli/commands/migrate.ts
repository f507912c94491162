import { migrate } from '../../db/migrate.ts';
import { assertPostgresReachable } from '../../runtime/reachability.ts';
import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'create the database if missing and apply migrations (safe to run again)',
  usage: 'paperboy migrate',
  async run({ env, args, stdout }) {
    parseCommandArgs(args, {});
    await assertPostgresReachable(env.DATABASE_URL);
    const applied = await migrate(env.DATABASE_URL);
    stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
  },
};
