// `paperboy admin hash-password`: the argon2 hash for ADMIN_PASSWORD_HASH. The password is read from stdin
// (a pipe, or typed), never from the command line, where `ps` and the shell's history would keep it.
import argon2 from 'argon2';
import { UsageError, type Command } from '../command.ts';

export const MIN_ADMIN_PASSWORD_LENGTH = 12;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const adminCommand: Command = {
  name: 'admin',
  summary: 'hash-password: read a password on stdin and print the ADMIN_PASSWORD_HASH for it',
  usage: 'printf %s "$PASSWORD" | paperboy admin hash-password',
  async run({ args, stdout }) {
    if (args.length !== 1 || args[0] !== 'hash-password') {
      throw new UsageError('expected `hash-password` (the password comes on stdin, never as an argument)');
    }
    if (process.stdin.isTTY) process.stderr.write('Password (then Enter and Ctrl-D): ');
    // One trailing newline is the Enter that ended it, not part of the password.
    const password = (await readStdin()).replace(/\r?\n$/, '');
    if (password.length < MIN_ADMIN_PASSWORD_LENGTH) {
      throw new UsageError(`the password must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters`);
    }
    stdout.write(`${await argon2.hash(password, { type: argon2.argon2id })}\n`);
    return 0;
  },
};
