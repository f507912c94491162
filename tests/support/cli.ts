// Runs `paperboy <args>` as a real process against a test context's services (no .env of the checkout read).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../src/config/env.ts';
import type { TestContext } from './services.ts';

export const CLI = fileURLToPath(new URL('../../bin/paperboy.js', import.meta.url));
// No .env lives here, so nothing of the checkout's own configuration fills in what a test leaves out.
const NO_DOTENV = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** What a `paperboy` process of a test runs with: the sources, the test file's own services, nothing of this shell. */
export function paperboyEnv(
  env: Pick<Env, 'DATABASE_URL' | 'REDIS_URL' | 'QUEUE_PREFIX' | 'SMTP_URL' | 'SECRET_KEY'>,
  overrides: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    PAPERBOY_SOURCE: '1',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: env.DATABASE_URL,
    REDIS_URL: env.REDIS_URL,
    QUEUE_PREFIX: env.QUEUE_PREFIX,
    SMTP_URL: env.SMTP_URL,
    SECRET_KEY: env.SECRET_KEY,
    ...overrides,
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Resolves once the process has exited *and* its stdout and stderr have ended ('close'). On 'exit' the pipes may
 * still hold what the command printed just before `process.exit`: on a busy machine the parent sees the exit
 * first about once in a hundred runs, and the output comes back empty (what failed `digest --wait` in CI once).
 */
export function runPaperboy(
  context: TestContext,
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 120_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: paperboyEnv(context.env, env),
      cwd: NO_DOTENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`paperboy ${args.join(' ')} still running after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
