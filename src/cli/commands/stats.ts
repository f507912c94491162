// `paperboy stats`: the dashboard's figures in the terminal: today's edition, the last 7 days, the list's growth.
import { editionOutcomes, readersByDay, reportsByDay, type ReadersOnDay } from '../../db/dashboard.ts';
import { createPool } from '../../db/pool.ts';
import { dateIn } from '../../digest/calendar.ts';
import { complaintRate, formatRate } from '../../mail/complaint-rate.ts';
import { assertPostgresReachable } from '../../runtime/reachability.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';

const count = (value: number) => new Intl.NumberFormat('en-US').format(value);
const signed = (value: number) => `${value >= 0 ? '+' : ''}${count(value)}`;
const states = (day: ReadersOnDay | undefined) =>
  day
    ? `${count(day.confirmed)} confirmed, ${count(day.pending)} pending, ${count(day.unsubscribed)} unsubscribed, ${count(day.suppressed)} suppressed`
    : 'none';

export const statsCommand: Command = {
  name: 'stats',
  summary: "today's edition, the last 7 days (sends, bounces, complaints) and the list's growth",
  usage: 'paperboy stats',
  async run({ env, args, stdout }) {
    parseCommandArgs(args, {});
    await assertPostgresReachable(env.DATABASE_URL);
    const pool = createPool(env.DATABASE_URL, 3);
    try {
      const [readers, editions, reports] = await Promise.all([
        readersByDay(pool, 31, env.DIGEST_TZ),
        editionOutcomes(pool, 7),
        reportsByDay(pool, 7, env.DIGEST_TZ),
      ]);
      const today = dateIn(env.DIGEST_TZ);
      const edition = editions.find((row) => row.editionDate === today);
      const lines = [
        edition
          ? `today (${today}): ${count(edition.sent)} sent, ${count(edition.failed)} failed, ${count(edition.skipped)} skipped, ${count(edition.open)} open` +
            `${edition.sendSeconds === null ? '' : ` in ${edition.sendSeconds.toFixed(1)} s`}${edition.pausedAt ? ' — PAUSED (paperboy digest --resume)' : ''}`
          : `today (${today}): no edition yet`,
      ];
      const sent = reports.reduce((sum, day) => sum + day.sent, 0);
      const bounces = reports.reduce((sum, day) => sum + day.bounces, 0);
      const complaints = reports.reduce((sum, day) => sum + day.complaints, 0);
      const rate = complaintRate(complaints, sent);
      lines.push(
        `last 7 days: ${editions.length} editions, ${count(sent)} sent, ${count(bounces)} bounces, ${count(complaints)} complaints, ` +
          `complaint rate ${formatRate(rate.rate)}${rate.status === 'ok' ? '' : rate.status === 'close' ? ' (CLOSE to the 0.3 % limit)' : ' (OVER the 0.3 % limit)'}`,
      );
      for (const row of editions) {
        lines.push(
          `  ${row.editionDate}  ${count(row.sent)} sent · ${count(row.failed)} failed · ${count(row.skipped)} skipped · ${count(row.open)} open`,
        );
      }
      const now = readers.at(-1);
      const weekAgo = readers.at(-8);
      const monthAgo = readers.at(0);
      lines.push(`readers: ${states(now)}`);
      lines.push(
        `growth (confirmed): ${signed((now?.confirmed ?? 0) - (weekAgo?.confirmed ?? 0))} in 7 days, ${signed((now?.confirmed ?? 0) - (monthAgo?.confirmed ?? 0))} in 30 days`,
      );
      stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await pool.end();
    }
  },
};
