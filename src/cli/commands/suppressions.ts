// `paperboy suppressions list|remove`: see who is never mailed again and why, and lift a suppression that was
// a mistake (a relay's policy refusal misread as a bounce). A complaint is the reader's own word: it takes --force.
import { createPool } from '../../db/pool.ts';
import { listSuppressions } from '../../db/suppressions.ts';
import { liftSuppressionByHand } from '../../subscriptions/suppression-lift.ts';
import { assertPostgresReachable } from '../../runtime/reachability.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError, type Command } from '../command.ts';

const REASONS = ['hard_bounce', 'complaint', 'manual'];

export const suppressionsCommand: Command = {
  name: 'suppressions',
  summary: 'list the addresses never mailed again (list [--reason R]), or lift one (remove <email> [--force] for a complaint)',
  usage: 'paperboy suppressions list [--reason hard_bounce|complaint|manual] | paperboy suppressions remove <email>... [--force]',
  async run({ env, args, stdout }) {
    const { values, positionals } = parseCommandArgs(
      args,
      { reason: { type: 'string' }, force: { type: 'boolean', default: false } },
      true,
    );
    const [action, ...emails] = positionals;
    if (action !== 'list' && action !== 'remove') throw new UsageError('expected `list` or `remove <email>`');
    if (values.reason !== undefined && !REASONS.includes(values.reason)) {
      throw new UsageError(`--reason must be one of ${REASONS.join(', ')}`);
    }
    if (action === 'list' && emails.length > 0) throw new UsageError('`list` takes no address');
    if (action === 'remove' && emails.length === 0) throw new UsageError('`remove` needs the address to lift');
    await assertPostgresReachable(env.DATABASE_URL);
    const pool = createPool(env.DATABASE_URL, 2);
    try {
      if (action === 'list') {
        const rows = await listSuppressions(pool, values.reason);
        for (const row of rows) {
          stdout.write(`${row.createdAt.toISOString()}  ${row.reason.padEnd(11)}  ${row.email}  ${row.detail ?? ''}\n`);
        }
        stdout.write(`${rows.length} suppressed${values.reason ? ` (${values.reason})` : ''}\n`);
        return 0;
      }
      let failures = 0;
      for (const email of emails) {
        const outcome = await liftSuppressionByHand(pool, email, {
          force: values.force,
          reason: `suppression lifted by hand${values.force ? ' (--force)' : ''}`,
        });
        if (outcome.kind === 'lifted') {
          stdout.write(
            `${email}: lifted (was ${outcome.was})${outcome.subscriberStatus ? `; subscriber now ${outcome.subscriberStatus}` : ''}\n`,
          );
          continue;
        }
        failures += 1;
        stdout.write(
          outcome.kind === 'complaint-needs-force'
            ? `${email}: suppressed because the reader reported the digest as spam; lift it only with --force\n`
            : `${email}: not suppressed\n`,
        );
      }
      return failures > 0 ? 1 : 0;
    } finally {
      await pool.end();
    }
  },
};
