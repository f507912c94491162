// Who is due in a digest run, and which edition a run sends. Pure. A scheduled run is one UTC hour (a slot): the
// readers whose local delivery hour falls in it (src/digest/delivery-slots.ts). `paperboy digest --date D` is a
// day: every daily reader, and the weekly readers whose weekday D is.
import { CronExpressionParser } from 'cron-parser';
import { dateIn } from './calendar.ts';
import { isDue, type DeliveryPreference } from './delivery-slots.ts';

/** A slot run may also serve earlier hours of the same edition that no run served (`missed`, oldest first). */
export type DueRun = { kind: 'day'; weekday: number } | { kind: 'slot'; start: Date; missed?: readonly Date[] };

const HOUR_MS = 3_600_000;

/** The whole UTC hour holding `at`. */
export const slotStartOf = (at: Date) => new Date(at.getTime() - (at.getTime() % HOUR_MS));

/** 1 = Monday … 7 = Sunday of a calendar date. */
export function weekdayOf(date: string): number {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The reader's delivery preference, or the digest's own (DIGEST_CRON's hour in DIGEST_TZ, daily) when they saved none. */
export function isReaderDue(run: DueRun, preference: DeliveryPreference | undefined, digestDefault: DeliveryPreference): boolean {
  if (run.kind === 'day') return !preference || preference.frequency === 'daily' || preference.weekday === run.weekday;
  return slotsOf(run).some((start) => isDue(preference ?? digestDefault, start));
}

/** Every hour a slot run serves: the missed ones, then its own. */
export const slotsOf = (run: Extract<DueRun, { kind: 'slot' }>): Date[] => [...(run.missed ?? []), run.start];

/**
 * The hours after `lastRun` and before `start` that no run served and whose edition is `start`'s: a run after an
 * outage sends to their readers too (an hour of another edition is not made up: its readers' digest would be a
 * day old). None when no run is recorded (a new install does not send yesterday's hours at once).
 */
export function missedSlots(start: Date, lastRun: Date | null, cron: string, timeZone: string): Date[] {
  if (!lastRun) return [];
  const edition = editionDateForSlot(start, cron, timeZone);
  const missed: Date[] = [];
  for (let at = start.getTime() - HOUR_MS; at > lastRun.getTime() && missed.length < 24; at -= HOUR_MS) {
    if (editionDateForSlot(new Date(at), cron, timeZone) !== edition) break;
    missed.unshift(new Date(at));
  }
  return missed;
}

/**
 * The UTC hours whose saved bucket (reader_settings.utc_hour) may be due in the slot: its own and its neighbours,
 * as a daylight saving change moves a local hour by one. isReaderDue decides exactly.
 */
export function bucketsNear(start: Date): number[] {
  const hour = start.getUTCHours();
  return [(hour + 23) % 24, hour, (hour + 1) % 24];
}

/**
 * The edition a slot sends: that of the last DIGEST_CRON time before the slot ends (in DIGEST_TZ). The edition
 * is built in the run of DIGEST_CRON's hour; runs until the next one send it to the readers whose hour comes.
 */
export function editionDateForSlot(start: Date, cron: string, timeZone: string): string {
  const end = new Date(start.getTime() + HOUR_MS - 1);
  const built = CronExpressionParser.parse(cron, { currentDate: new Date(end.getTime() + 1), tz: timeZone })
    .prev()
    .toDate();
  return dateIn(timeZone, built);
}
