// `paperboy worker` as production runs it: `node bin/paperboy.js worker` in a process of its own (never
// through npx, which does not pass signals on), for fault tests that SIGKILL it or pull services from under it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../src/config/env.ts';
import { imageNodeOptions } from './image-node-options.ts';

const CLI = fileURLToPath(new URL('../../bin/paperboy.js', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends `signal` and waits for the process to be gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

// Workers still running when the test process exits (a failed assertion skips `stop()`) go with it.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Spawns a worker on the test file's own database, queue prefix and SMTP server; `overrides` tune it. */
export function spawnWorker(env: Env, overrides: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      PAPERBOY_SOURCE: '1',
      NODE_OPTIONS: imageNodeOptions(),
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      QUEUE_PREFIX: env.QUEUE_PREFIX,
      SMTP_URL: env.SMTP_URL ?? '',
      SECRET_KEY: env.SECRET_KEY ?? '',
      PUBLIC_URL: env.PUBLIC_URL,
      MAIL_FROM: env.MAIL_FROM,
      // The daily scheduler must not fire during a test: 07:00 on 1 January.
      DIGEST_CRON: '0 7 1 1 *',
      ...overrides,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
