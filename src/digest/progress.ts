// How far an edition has got (read from Postgres, the truth: src/db/deliveries.ts), said in one line.
import type { EditionProgress } from '../db/deliveries.ts';

export { editionProgress, type EditionProgress } from '../db/deliveries.ts';

const count = (value: number) => new Intl.NumberFormat('en-US').format(value);

/** The live line on a terminal: "2026-11-28  12,345 sent · 3 failed · 87,000 left · 1,640 emails/s". */
export function formatProgress(editionDate: string, progress: EditionProgress, emailsPerSecond: number): string {
  return `${editionDate}  ${count(progress.sent)} sent · ${count(progress.failed)} failed · ${count(progress.open)} left · ${count(Math.round(emailsPerSecond))} emails/s`;
}

/** The last line, always printed. `before` is the progress when this run started (a rerun sends nothing new). */
export function formatEditionSummary(editionDate: string, progress: EditionProgress, before: EditionProgress, seconds: number): string {
  const fresh = progress.sent - before.sent;
  const rate = seconds > 0 ? fresh / seconds : 0;
  return (
    `digest ${editionDate}: ${count(progress.sent)} sent (${count(fresh)} this run), ${count(progress.failed)} failed, ` +
    `${count(progress.skipped)} skipped, ${count(progress.open)} left, ${seconds.toFixed(1)} s, ${count(Math.round(rate))} emails/s`
  );
}
