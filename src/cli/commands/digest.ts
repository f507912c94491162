import { setTimeout as sleep } from 'node:timers/promises';
import { dateIn, isEditionDate } from '../../digest/calendar.ts';
import { enqueueDigest, type DigestJobResult } from '../../digest/digest-job.ts';
import { editionDateForSlot } from '../../digest/due.ts';
import { editionPause } from '../../db/edition-pause.ts';
import { findEditionByDate } from '../../db/editions.ts';
import { resumePausedEdition } from '../../digest/resume.ts';
import { editionProgress, formatProgress, formatEditionSummary, type EditionProgress } from '../../digest/progress.ts';
import { openServices, type Services } from '../../runtime/services.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError, type Command } from '../command.ts';

const POLL_MS = 500;

export const digestCommand: Command = {
  name: 'digest',
  summary: "send a date's digest now (the job the daily scheduler runs); a second run sends nothing new",
  usage: 'paperboy digest [--date YYYY-MM-DD [--force]] [--hour HH] [--resume] [--wait]',
  async run({ env, args, stdout }) {
    const { values } = parseCommandArgs(args, {
      date: { type: 'string' },
      wait: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      hour: { type: 'string' },
    });
    const today = dateIn(env.DIGEST_TZ);
    if (values.date !== undefined && !isEditionDate(values.date))
      throw new UsageError(`--date must be a calendar date written YYYY-MM-DD, got "${values.date}"`);
    // --hour HH: one hourly run (UTC) of --date (a UTC date, default today), the readers whose hour it is.
    let slot: Date | undefined;
    if (values.hour !== undefined) {
      if (!/^([01]?\d|2[0-3])$/.test(values.hour)) throw new UsageError(`--hour must be a UTC hour 0–23, got "${values.hour}"`);
      slot = new Date(`${values.date ?? new Date().toISOString().slice(0, 10)}T${values.hour.padStart(2, '0')}:00:00Z`);
    }
    const editionDate = slot ? editionDateForSlot(slot, env.DIGEST_CRON, env.DIGEST_TZ) : (values.date ?? today);
    // A future edition is built from today's papers and mails everyone now: it burns those papers for the real day.
    if (editionDate > today && !values.force && !values.resume) {
      throw new UsageError(`--date ${editionDate} is later than today (${today} in ${env.DIGEST_TZ}): add --force to send it now anyway`);
    }

    const services = await openServices(env);
    try {
      // What was already sent before this run, so the summary can say what this run added (nothing, on a rerun).
      const existing = await findEditionByDate(services.pool, editionDate);
      const before = existing ? await editionProgress(services.pool, existing.id) : { sent: 0, failed: 0, skipped: 0, open: 0, total: 0 };
      if (values.resume) {
        if (!existing) throw new UsageError(`there is no edition of ${editionDate} to resume`);
        const resumed = await resumePausedEdition(services, existing);
        stdout.write(
          resumed.resumed
            ? `digest ${editionDate}: resumed (${resumed.requeued} refused deliveries queued again, ${resumed.jobs} jobs)\n`
            : `digest ${editionDate}: not paused; nothing to resume\n`,
        );
        if (!values.wait) return 0;
        return await follow(services, editionDate, undefined, before, stdout);
      }
      const job = await enqueueDigest(services.queues, editionDate, slot);
      if (!values.wait) {
        stdout.write(`digest ${editionDate}: enqueued (job ${job.id}); a worker sends it — add --wait to follow it\n`);
        return 0;
      }
      return await follow(services, editionDate, job.id!, before, stdout);
    } finally {
      await services.close();
    }
  },
};

const isTty = (stream: NodeJS.WritableStream) => Boolean((stream as NodeJS.WriteStream).isTTY);

/** Polls Postgres until every delivery of the edition is final; live progress on a terminal, one summary line always. */
async function follow(
  services: Services,
  editionDate: string,
  /** The digest job to follow; undefined when resuming an edition that exists (only its deliveries remain). */
  jobId: string | undefined,
  before: EditionProgress,
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const { pool, queues } = services;
  const tty = isTty(stdout);
  const started = Date.now();
  let saidWaiting = false;
  let last = { at: started, sent: 0 };
  let rate = 0;

  for (;;) {
    const job = jobId === undefined ? undefined : await queues.digest.getJob(jobId);
    const state = jobId === undefined ? 'completed' : job ? await job.getState() : 'unknown';
    if (state === 'failed') {
      stdout.write(`${tty ? '\n' : ''}digest ${editionDate}: failed: ${job?.failedReason ?? 'unknown error'}\n`);
      return 1;
    }
    if (state === 'completed' && job) {
      const result = job.returnvalue as DigestJobResult;
      if ('editionId' in result && result.editionId === null) {
        stdout.write(`digest ${editionDate}: no trending papers, so no edition and nothing sent\n`);
        return 0;
      }
    }
    const edition = await findEditionByDate(pool, editionDate);
    if (edition) {
      const progress = await editionProgress(pool, edition.id);
      const pause = await editionPause(pool, edition.id);
      // The worker that paused it writes the reason just after: give it a moment.
      if (pause?.pausedAt && (pause.reason !== null || Date.now() - pause.pausedAt.getTime() > 2_000)) {
        if (tty) stdout.write('\r\x1b[2K');
        stdout.write(
          `digest ${editionDate}: paused: ${pause.refusals} of ${pause.attempts} sends refused, most common reply "${pause.reason ?? 'unknown'}"; ` +
            `${progress.sent} sent, ${progress.open} left — fix the relay, then run \`paperboy digest --resume --date ${editionDate}\`\n`,
        );
        return 1;
      }
      const now = Date.now();
      if (now - last.at >= 1_000) {
        rate = ((progress.sent - last.sent) * 1000) / (now - last.at);
        last = { at: now, sent: progress.sent };
      } else if (last.sent === 0) last.sent = progress.sent;
      if (state === 'completed' && progress.open === 0) {
        if (tty) stdout.write('\r\x1b[2K');
        stdout.write(`${formatEditionSummary(editionDate, progress, before, (Date.now() - started) / 1000)}\n`);
        return 0;
      }
      if (tty) stdout.write(`\r\x1b[2K${formatProgress(editionDate, progress, rate)}`);
    }
    if (!saidWaiting && state === 'waiting' && Date.now() - started > 1_500) {
      const workers = await queues.digest.getWorkers().catch(() => []);
      if (workers.length === 0) {
        saidWaiting = true;
        stdout.write(`digest ${editionDate}: waiting for a worker — start one with \`paperboy worker\` (or \`paperboy start\`)\n`);
      }
    }
    await sleep(POLL_MS);
  }
}
