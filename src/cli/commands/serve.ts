import { migrate } from '../../db/migrate.ts';
import { runRoles, type Roles } from '../../runtime/roles.ts';
import { assertPostgresReachable } from '../../runtime/reachability.ts';
import { openServices } from '../../runtime/services.ts';
import { parseCommandArgs } from '../args.ts';
import type { Env } from '../../config/env.ts';
import type { Command } from '../command.ts';

function serveCommand(name: string, summary: string, roles: Roles | ((env: Env) => Roles), migrateFirst: boolean): Command {
  return {
    name,
    summary,
    usage: `paperboy ${name}`,
    async run({ env, args }) {
      parseCommandArgs(args, {});
      if (migrateFirst) {
        await assertPostgresReachable(env.DATABASE_URL);
        await migrate(env.DATABASE_URL);
      }
      const services = await openServices(env);
      try {
        await runRoles(services, typeof roles === 'function' ? roles(env) : roles);
      } catch (error) {
        await services.close();
        throw error;
      }
      // Keeps running until a signal; runRoles owns the exit.
      await new Promise<never>(() => {});
    },
  };
}

export const startCommand = serveCommand(
  'start',
  'migrate, then run the API, the workers and the scheduler in one process (and the inbound SMTP receiver when INBOUND_SMTP_PORT is set)',
  (env) => ({ api: true, workers: true, inbound: env.INBOUND_SMTP_PORT !== undefined }),
  true,
);
export const inboundCommand = serveCommand(
  'inbound',
  'run the SMTP receiver for bounces (DSN), complaints (ARF) and unsubscribe mails on INBOUND_SMTP_HOST:INBOUND_SMTP_PORT',
  { api: false, workers: false, inbound: true },
  false,
);
export const apiCommand = serveCommand('api', 'run the HTTP API only', { api: true, workers: false }, false);
export const workerCommand = serveCommand(
  'worker',
  'run queue workers and the scheduler only (run as many as you like)',
  { api: false, workers: true },
  false,
);
