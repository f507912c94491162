// A reader's settings and the contract of POST /preferences (README, "Preferences & taste"). Pure: a body in,
// a patch or the name of the first invalid field out. The JSON body and the form share the field names.
import type { Env } from '../config/env.ts';
import type { ReaderSettings } from '../db/reader-settings.ts';
import { nextDigestAt } from './first-digest.ts';

export type { ReaderSettings };

/** Any subset of the settings; topics' own keys are a subset too. */
export type SettingsPatch = Partial<Omit<ReaderSettings, 'topics'>> & { topics?: Partial<ReaderSettings['topics']> };

export type ParsedSettings = { ok: true; patch: SettingsPatch } | { ok: false; field: string; message: string };

export const SIZES = [5, 10, 20] as const;
export const MAX_TOPICS = 20;
export const MAX_TOPIC_LENGTH = 60;
export const MAX_AUTHORS = 50;
export const MAX_AUTHOR_LENGTH = 100;

const FIELDS = ['frequency', 'weekday', 'size', 'hour', 'timeZone', 'topics', 'authors'] as const;
const TOPIC_FIELDS = ['include', 'exclude', 'only'] as const;

class InvalidField extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** An IANA zone name Intl knows ("Europe/Paris", "UTC"); offsets like "+02:00" are not zones. */
export function isTimeZone(value: string): boolean {
  if (value.length === 0 || value.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function integerIn(field: string, value: unknown, allowed: (n: number) => boolean, message: string): number {
  const number = typeof value === 'string' && /^\s*\d{1,3}\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || !allowed(number)) throw new InvalidField(field, message);
  return number;
}

/** A list of short texts, trimmed, empty ones and repeats (case-insensitive) dropped. */
function textList(field: string, value: unknown, limits: { count: number; length: number; what: string }): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new InvalidField(field, `${field} must be a list of ${limits.what}.`);
  const seen = new Set<string>();
  const items: string[] = [];
  for (const raw of value as string[]) {
    // Control characters never belong in a keyword or a name (and would end up in an email).
    const item = raw.replace(/\s+/g, ' ').trim();
    if (!item || seen.has(item.toLowerCase())) continue;
    if (/\p{Cc}/u.test(item)) throw new InvalidField(field, `${field} contains a control character.`);
    if (item.length > limits.length) throw new InvalidField(field, `Each of ${field} is at most ${limits.length} characters.`);
    seen.add(item.toLowerCase());
    items.push(item);
  }
  if (items.length > limits.count) throw new InvalidField(field, `${field} holds at most ${limits.count} ${limits.what}.`);
  return items;
}

const TOPIC_LIMITS = { count: MAX_TOPICS, length: MAX_TOPIC_LENGTH, what: 'keywords' };

function parsePatch(body: Record<string, unknown>): SettingsPatch {
  const patch: SettingsPatch = {};
  for (const key of Object.keys(body)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw new InvalidField(key, `${key} is not a setting.`);
  }
  if (body.frequency !== undefined) {
    if (body.frequency !== 'daily' && body.frequency !== 'weekly') throw new InvalidField('frequency', 'frequency is daily or weekly.');
    patch.frequency = body.frequency;
  }
  if (body.weekday !== undefined)
    patch.weekday = integerIn('weekday', body.weekday, (n) => n >= 1 && n <= 7, 'weekday is 1 (Monday) to 7 (Sunday).');
  if (body.size !== undefined)
    patch.size = integerIn('size', body.size, (n) => (SIZES as readonly number[]).includes(n), 'size is 5, 10 or 20.');
  if (body.hour !== undefined) patch.hour = integerIn('hour', body.hour, (n) => n >= 0 && n <= 23, 'hour is 0 to 23.');
  if (body.timeZone !== undefined) {
    if (typeof body.timeZone !== 'string' || !isTimeZone(body.timeZone))
      throw new InvalidField('timeZone', 'timeZone is an IANA time zone such as Europe/Paris.');
    patch.timeZone = body.timeZone;
  }
  if (body.topics !== undefined) {
    const topics = body.topics;
    if (typeof topics !== 'object' || topics === null || Array.isArray(topics))
      throw new InvalidField('topics', 'topics is { "include": [..], "exclude": [..], "only": false }.');
    const given = topics as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!(TOPIC_FIELDS as readonly string[]).includes(key)) throw new InvalidField(`topics.${key}`, `topics.${key} is not a setting.`);
    }
    patch.topics = {};
    if (given.include !== undefined) patch.topics.include = textList('topics.include', given.include, TOPIC_LIMITS);
    if (given.exclude !== undefined) patch.topics.exclude = textList('topics.exclude', given.exclude, TOPIC_LIMITS);
    if (given.only !== undefined) {
      if (typeof given.only !== 'boolean') throw new InvalidField('topics.only', 'topics.only is true or false.');
      patch.topics.only = given.only;
    }
  }
  if (body.authors !== undefined)
    patch.authors = textList('authors', body.authors, { count: MAX_AUTHORS, length: MAX_AUTHOR_LENGTH, what: 'names' });
  return patch;
}

function parsed(read: () => SettingsPatch): ParsedSettings {
  try {
    return { ok: true, patch: read() };
  } catch (error) {
    if (error instanceof InvalidField) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
}

/** The JSON body of POST /preferences. */
export function parseSettingsJson(body: unknown): ParsedSettings {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, field: 'body', message: 'The body is a JSON object of settings.' };
  return parsed(() => parsePatch(body as Record<string, unknown>));
}

/** "a, b ,c" or one per line → ["a", "b", "c"]. */
const splitList = (text: string) => text.split(/[,\n]/);

/**
 * The form of the preferences page: the same names, topicsInclude / topicsExclude / authors as comma-separated
 * text, topicsOnly a checkbox after a hidden "false" (so unticking it is sent, and the last value wins).
 */
export function parseSettingsForm(form: Record<string, unknown>): ParsedSettings {
  const last = (value: unknown) => (Array.isArray(value) ? value[value.length - 1] : value);
  return parsed(() => {
    const body: Record<string, unknown> = {};
    const topics: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(form)) {
      const value = last(raw);
      if (typeof value !== 'string') throw new InvalidField(key, `${key} is text.`);
      if (key === 'topicsInclude') topics.include = splitList(value);
      else if (key === 'topicsExclude') topics.exclude = splitList(value);
      else if (key === 'topicsOnly') {
        if (value !== 'true' && value !== 'false') throw new InvalidField('topicsOnly', 'topicsOnly is true or false.');
        topics.only = value === 'true';
      } else if (key === 'authors') body.authors = splitList(value);
      else if (key === 'topics') throw new InvalidField(key, 'In the form, topics are topicsInclude, topicsExclude and topicsOnly.');
      else body[key] = value;
    }
    if (Object.keys(topics).length > 0) body.topics = topics;
    return parsePatch(body);
  });
}

/** The settings after `patch`: what it names changes, the rest is kept. */
export function applySettings(current: ReaderSettings, patch: SettingsPatch): ReaderSettings {
  return {
    frequency: patch.frequency ?? current.frequency,
    weekday: patch.weekday ?? current.weekday,
    size: patch.size ?? current.size,
    hour: patch.hour ?? current.hour,
    timeZone: patch.timeZone ?? current.timeZone,
    topics: {
      include: patch.topics?.include ?? current.topics.include,
      exclude: patch.topics?.exclude ?? current.topics.exclude,
      only: patch.topics?.only ?? current.topics.only,
    },
    authors: patch.authors ?? current.authors,
  };
}

/** A reader who never saved anything: the shared digest, daily, at the digest's own hour and zone. */
export function defaultSettings(digest: { size: number; hour: number; timeZone: string }): ReaderSettings {
  return {
    frequency: 'daily',
    weekday: 1,
    size: digest.size,
    hour: digest.hour,
    timeZone: digest.timeZone,
    topics: { include: [], exclude: [], only: false },
    authors: [],
  };
}

/** The defaults from the configuration: DIGEST_SIZE papers at DIGEST_CRON's hour in DIGEST_TZ. */
export function defaultSettingsFor(env: Pick<Env, 'DIGEST_SIZE' | 'DIGEST_CRON' | 'DIGEST_TZ'>, now = new Date()): ReaderSettings {
  const next = nextDigestAt(env.DIGEST_CRON, env.DIGEST_TZ, now);
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: env.DIGEST_TZ, hour: '2-digit', hourCycle: 'h23' }).format(next));
  return defaultSettings({ size: env.DIGEST_SIZE, hour, timeZone: env.DIGEST_TZ });
}
