import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPool } from '../../db/pool.ts';
import { migrate } from '../../db/migrate.ts';
import { removeDemoPapers } from '../../db/papers.ts';
import { pickTrendingPapers } from '../../db/trending.ts';
import { trendingOptionsFrom } from '../../digest/trending.ts';
import { formatIngestSummary, formatRejection, ingestListing } from '../../papers/ingest.ts';
import { ROOT } from '../../paths.ts';
import { assertPostgresReachable } from '../../runtime/reachability.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';

export const DEMO_FIXTURE = join(ROOT, 'fixtures', 'daily-papers-demo.json');
/** The newest demo paper is listed this long before now; the rest keep their spacing behind it. */
const DEMO_NEWEST_AGE_MS = 30 * 60_000;

export const demoCommand: Command = {
  name: 'demo',
  summary:
    'load the demo papers (a capture of the Daily Papers page, marked demo: never in an edition once real papers exist) listed as if today, and show what trends; --remove deletes them',
  usage: 'paperboy demo [--remove]',
  async run({ env, args, stdout }) {
    const { values } = parseCommandArgs(args, { remove: { type: 'boolean', default: false } });
    await assertPostgresReachable(env.DATABASE_URL);
    await migrate(env.DATABASE_URL);
    const pool = createPool(env.DATABASE_URL, 2);
    try {
      if (values.remove) {
        stdout.write(`removed ${await removeDemoPapers(pool)} demo papers\n`);
        return;
      }
      const text = await readFile(DEMO_FIXTURE, 'utf8');
      const now = new Date();
      const summary = await ingestListing(pool, text, {
        observedAt: now,
        relistNewestAt: new Date(now.getTime() - DEMO_NEWEST_AGE_MS),
        demo: true,
      });
      for (const rejection of summary.rejected) stdout.write(`${formatRejection(rejection)}\n`);
      stdout.write(`${formatIngestSummary(summary)}\n`);
      const trending = await pickTrendingPapers(pool, trendingOptionsFrom(env, now));
      stdout.write(`\ntrending now (top ${trending.length}):\n`);
      trending.forEach((paper, index) =>
        stdout.write(`${String(index + 1).padStart(3)}. ${paper.title} (${paper.upvotes} ${paper.upvotes === 1 ? 'upvote' : 'upvotes'})\n`),
      );
    } finally {
      await pool.end();
    }
  },
};
