// When the next digest goes out, for the "you're in" page. Pure: config and a clock in, a date out.
import { CronExpressionParser } from 'cron-parser';

/** The next run of DIGEST_CRON in DIGEST_TZ strictly after `now`. */
export function nextDigestAt(cron: string, timeZone: string, now: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: now, tz: timeZone }).next().toDate();
}

/** "Tuesday 1 December at 07:00 (UTC)": the reader's calendar day and clock in the digest's time zone. */
export function describeDigestTime(at: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(at);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return `${day} at ${time} (${timeZone.replace(/_/g, ' ')})`;
}
