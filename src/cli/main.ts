// `paperboy <command>`: one line of error and a non-zero exit on any failure, never a stack trace.
import { ConfigError } from '../config/env.ts';
import { loadEnv } from '../config/load.ts';
import { UnreachableError } from '../runtime/reachability.ts';
import { UsageError, type Command } from './command.ts';
import { demoCommand } from './commands/demo.ts';
import { digestCommand } from './commands/digest.ts';
import { ingestCommand } from './commands/ingest.ts';
import { migrateCommand } from './commands/migrate.ts';
import { apiCommand, inboundCommand, startCommand, workerCommand } from './commands/serve.ts';
import { suppressionsCommand } from './commands/suppressions.ts';
import { adminCommand } from './commands/admin.ts';
import { readersCommand } from './commands/readers.ts';
import { statsCommand } from './commands/stats.ts';

const commands: Command[] = [
  migrateCommand,
  startCommand,
  apiCommand,
  workerCommand,
  inboundCommand,
  ingestCommand,
  demoCommand,
  digestCommand,
  suppressionsCommand,
  readersCommand,
  statsCommand,
  adminCommand,
];

function help(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Usage: paperboy <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    "Run `paperboy <command> --help` for a command's options. Configuration comes from the environment",
    'and a .env file (see README.md).',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`paperboy: unknown command "${name}"; run \`paperboy --help\` for the list\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    const env = loadEnv();
    const code = await command.run({ env, args, stdout: process.stdout });
    return code ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`paperboy ${name}: ${error.message} (usage: ${command.usage})\n`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof UnreachableError) {
      process.stderr.write(`paperboy: ${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`paperboy ${name}: ${message}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Servers keep the process alive on their own; one-shot commands end here.
if (code !== 0 || !['start', 'api', 'worker', 'inbound'].includes(process.argv[2] ?? '')) process.exit(code);
