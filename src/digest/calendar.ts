// Which calendar day an edition is for: "today" is the digest's time zone's today, not the server's.

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** 'YYYY-MM-DD' of `now` in `timeZone`. */
export function dateIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isEditionDate(value: string): boolean {
  if (!DATE_PATTERN.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}

/**
 * The moment trending is computed at for an edition: now for today (or a future date asked early),
 * the end of that day for a past date, so a late rerun does not rank tomorrow's papers into it.
 */
export function rankingMomentFor(editionDate: string, timeZone: string, now: Date = new Date()): Date {
  if (editionDate >= dateIn(timeZone, now)) return now;
  return new Date(startOfNextDayIn(editionDate, timeZone).getTime() - 1000);
}

/** How far `timeZone`'s wall clock is ahead of UTC at the instant `at` (ms). */
function utcOffsetMs(timeZone: string, at: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(at)
      .map((part) => [part.type, Number(part.value)]),
  );
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - at;
}

/** The instant the day after `date` begins in `timeZone`. */
export function startOfNextDayIn(date: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const midnightUtc = Date.UTC(year, month - 1, day + 1);
  return new Date(midnightUtc - utcOffsetMs(timeZone, midnightUtc));
}
