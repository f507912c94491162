// When a reader's digest is due: their own hour in their own time zone, daily or on one weekday. Pure.
// The scheduler runs every hour (UTC); a run sends to the readers whose local delivery time falls in its hour.

export interface DeliveryPreference {
  frequency: 'daily' | 'weekly';
  /** 1 = Monday … 7 = Sunday; weekly readers only. */
  weekday: number;
  /** 0–23, local. */
  hour: number;
  /** IANA time zone. */
  timeZone: string;
}

export interface LocalTime {
  /** YYYY-MM-DD on the reader's calendar. */
  date: string;
  hour: number;
  minute: number;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock of `timeZone` at the instant `at`. */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday!]!,
  };
}

/** A wall-clock reading as if it were UTC, in ms: lets two readings be compared. */
function wallClockMs(date: string, hour: number, minute = 0): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute);
}

/**
 * The instant `date` `hour`:00 happens in `timeZone`. In a spring-forward gap (that hour does not exist) it is
 * the first instant after the gap; in a fall-back overlap, the first of the two.
 */
export function instantOf(date: string, hour: number, timeZone: string): Date {
  const wanted = wallClockMs(date, hour);
  // UTC offsets lie within ±14 h and change on quarter hours: the first quarter hour whose wall clock has
  // reached the wanted one is the answer.
  for (let guess = wanted - 14 * 3_600_000; guess <= wanted + 14 * 3_600_000; guess += 900_000) {
    const local = localTime(new Date(guess), timeZone);
    if (wallClockMs(local.date, local.hour, local.minute) >= wanted) return new Date(guess);
  }
  throw new RangeError(`no instant for ${date} ${hour}:00 in ${timeZone}`);
}

/** The UTC hour slot [start, start + 1 h) that holds the reader's delivery time on their local `date`. */
export function slotOf(preference: Pick<DeliveryPreference, 'hour' | 'timeZone'>, date: string): Date {
  const at = instantOf(date, preference.hour, preference.timeZone).getTime();
  return new Date(at - (at % 3_600_000));
}

/**
 * Is the reader due in the hourly run that starts at `slotStart` (a whole UTC hour)? Their local delivery time
 * must fall in that hour, and for a weekly reader their local day must be their weekday.
 */
export function isDue(preference: DeliveryPreference, slotStart: Date): boolean {
  const start = slotStart.getTime();
  // The local dates the slot touches: the delivery time of one of them may fall inside it.
  const dates = new Set([localTime(slotStart, preference.timeZone).date, localTime(new Date(start + 3_599_999), preference.timeZone).date]);
  for (const date of dates) {
    if (slotOf(preference, date).getTime() !== start) continue;
    if (preference.frequency === 'daily') return true;
    return localTime(instantOf(date, preference.hour, preference.timeZone), preference.timeZone).weekday === preference.weekday;
  }
  return false;
}
