import { assertPostgresReachable } from '../../runtime/reachability.ts';
import { createPool } from '../../db/pool.ts';
import { formatIngestSummary, formatRejection, ingestListing } from '../../papers/ingest.ts';
import { readListingSource } from '../../papers/source.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError, type Command } from '../command.ts';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'load papers from a Daily Papers JSON or JSON Lines file, an http(s) URL, or stdin (-)',
  usage: 'paperboy ingest <file|url|->',
  async run({ env, args, stdout }) {
    const { positionals } = parseCommandArgs(args, {}, true);
    if (positionals.length !== 1) throw new UsageError('expected exactly one source: a file, an http(s) URL, or - for stdin');
    const source = positionals[0]!;
    await assertPostgresReachable(env.DATABASE_URL);
    const text = await readListingSource(source, { timeoutMs: env.PAPERS_FETCH_TIMEOUT_MS, maxBytes: env.PAPERS_MAX_BYTES }, process.stdin);
    const pool = createPool(env.DATABASE_URL, 2);
    try {
      const summary = await ingestListing(pool, text, { observedAt: new Date() });
      for (const rejection of summary.rejected) stdout.write(`${formatRejection(rejection)}\n`);
      stdout.write(`${formatIngestSummary(summary)}\n`);
    } finally {
      await pool.end();
    }
  },
};
