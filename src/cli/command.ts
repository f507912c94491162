import type { Env } from '../config/env.ts';

export interface CommandContext {
  env: Env;
  args: string[];
  stdout: NodeJS.WritableStream;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(context: CommandContext): Promise<number | void>;
}

/** A mistake in how a command was called: printed as one line with the usage hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
