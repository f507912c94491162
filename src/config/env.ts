// The environment schema: every variable, its default and its check. src/config/load.ts reads process.env (and
// .env) and calls parseEnv once; everything else receives the typed Env.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { hashTaggedPrefix, parseRedisClusterUrl } from './redis-url.ts';

const integer = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * The base of our signed sub-addresses: its local part leaves room in the 64 octets for `+<tag>` (src/mail/verp.ts:
 * a letter, the 32-digit public id, a dot and a 10-character MAC after BOUNCE_ADDRESS's; a public id, dot and MAC
 * after MAIL_UNSUBSCRIBE_MAILTO's).
 */
const subAddressBase = (tagOctets: number) =>
  z
    .string()
    .email()
    .refine(
      (value) => Buffer.byteLength(value.slice(0, value.lastIndexOf('@'))) <= 64 - tagOctets,
      `its local part (before @) must be at most ${64 - tagOctets} characters: the signed tag takes the other ${tagOctets} of 64`,
    );

const cronExpression = z.string().refine((value) => value.trim().split(/\s+/).length >= 5, 'must be a cron expression like "0 7 * * *"');

const timeZone = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as UTC or Europe/Paris');

/** Names proxy-addr (Fastify's trustProxy) understands besides addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(value: string, context: z.RefinementCtx): false | number | string[] {
  const text = value.trim();
  if (text === '' || text === 'false') return false;
  if (text === 'true') {
    context.addIssue({
      code: 'custom',
      message:
        'must not be true: that believes whatever X-Forwarded-For a client sends. Give the number of proxies in front (1) or their addresses (127.0.0.1,10.0.0.0/8)',
    });
    return z.NEVER;
  }
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !PROXY_RANGE_NAMES.has(entry) && !isAddressOrCidr(entry));
  if (bad !== undefined) {
    context.addIssue({ code: 'custom', message: `must be false, a hop count, or proxy addresses/CIDRs: "${bad}" is none of these` });
    return z.NEVER;
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  if (ipaddr.isValid(entry)) return true;
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/paperboy'),
  DATABASE_POOL_SIZE: integer(10, 1),
  /** One Redis (redis://, rediss://) or a cluster: redis+cluster://host:port,host:port (src/config/redis-url.ts). */
  REDIS_URL: z
    .string()
    .refine((value) => {
      try {
        return parseRedisClusterUrl(value) !== undefined || ['redis:', 'rediss:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, 'must be a URL starting with redis:// or rediss://, or redis+cluster://host:port,host:port')
    .default('redis://127.0.0.1:6379'),
  /** host:port,host:port of a Redis Cluster's nodes: the same as REDIS_URL=redis+cluster://… (which then may only set a password). */
  REDIS_CLUSTER_NODES: optional(z.string().min(3)),
  /** BullMQ key prefix; on a cluster it is hash-tagged ({paperboy}) so each queue's keys share one slot. */
  QUEUE_PREFIX: z.string().min(1).max(64).default('paperboy'),

  SMTP_URL: optional(url(['smtp:', 'smtps:'])),
  SMTP_MAX_CONNECTIONS: integer(5, 1),
  /** Messages per second across one worker process; 0 = no limit. */
  SMTP_RATE_LIMIT: integer(0),
  MAIL_FROM: z.string().min(3).default('Paperboy <digest@localhost>'),
  /**
   * Base of the per-reader List-Unsubscribe mailto (`unsubscribe+<token>@…`), read by `paperboy inbound`; defaults
   * to `unsubscribe@` BOUNCE_ADDRESS's domain. With neither set no mailto: is advertised (nobody would read it).
   */
  MAIL_UNSUBSCRIBE_MAILTO: optional(subAddressBase(44)),
  /** VERP: envelope sender `bounces+<signed tag>@…` per email, so a later bounce names its delivery. Unset: From. */
  BOUNCE_ADDRESS: optional(subAddressBase(45)),
  /** `paperboy inbound` (and `paperboy start` when the port is set): the SMTP receiver for bounces and unsubscribes. */
  INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  INBOUND_SMTP_PORT: optional(z.coerce.number().int().min(0).max(65535)),
  /** Largest inbound message accepted (a DSN or ARF report carries the original's headers, rarely more). */
  INBOUND_MAX_BYTES: integer(1024 * 1024, 1024),
  /** Provider webhooks, each off unless set: SNS topic ARNs (comma-separated) whose SES notifications we accept. */
  SES_SNS_TOPIC_ARNS: optional(z.string().min(1)),
  /** Postmark webhook basic-auth credentials (both, as configured on the webhook). */
  POSTMARK_WEBHOOK_USER: optional(z.string().min(1)),
  POSTMARK_WEBHOOK_PASSWORD: optional(z.string().min(8)),
  /** Mailgun's HTTP webhook signing key. */
  MAILGUN_WEBHOOK_SIGNING_KEY: optional(z.string().min(8)),
  /** SendGrid's signed event webhook verification key (base64 DER or PEM, ECDSA P-256). */
  SENDGRID_WEBHOOK_PUBLIC_KEY: optional(z.string().min(32)),
  DKIM_DOMAIN: optional(z.string().min(1)),
  DKIM_SELECTOR: optional(z.string().min(1)),
  /** PEM text (`\n` escapes allowed) or the path of a PEM file; parsed at start-up. */
  DKIM_PRIVATE_KEY: optional(z.string().min(1)),

  PUBLIC_URL: url(['http:', 'https:']).default('http://localhost:3000'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: integer(3000).pipe(z.number().max(65535)),
  /**
   * Which reverse proxies to believe about the client's address (X-Forwarded-For), as Fastify's `trustProxy`:
   * `false` (none), a hop count (`1` = one proxy in front), or the proxies' addresses/CIDRs, comma-separated.
   * `true` is refused: it believes the left-most entry, which the client writes itself.
   */
  TRUST_PROXY: z.string().default('false').transform(trustProxy),

  /**
   * The whole request (headers and body) must arrive within this many ms, or the connection is closed with 408:
   * a body sent a byte at a time no longer holds a connection open for good.
   */
  HTTP_REQUEST_TIMEOUT_MS: integer(30_000, 1000),
  /** Open connections one API process accepts; past it new ones are closed at once. */
  HTTP_MAX_CONNECTIONS: integer(4096, 1),

  /** Serve the API's OpenAPI description and Swagger UI at /docs; unset = only outside production. */
  DOCS_ENABLED: optional(z.enum(['true', 'false']).transform((value) => value === 'true')),

  SECRET_KEY: optional(z.string().min(32, 'must be at least 32 characters')),
  /** Earlier SECRET_KEYs, comma-separated: links signed with them still verify; new links use SECRET_KEY. */
  SECRET_KEY_PREVIOUS: optional(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((key) => key.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().min(32, 'each key must be at least 32 characters'))),
  ),

  /**
   * The operator's console at /admin, off unless one of these is set. ADMIN_PASSWORD_HASH: an argon2 hash of the
   * console's password (`paperboy admin hash-password` makes one); ADMIN_TOKEN: a long random secret, accepted
   * as the password and as `Authorization: Bearer <token>` by scripts.
   */
  ADMIN_PASSWORD_HASH: optional(
    z.string().regex(/^\$argon2(id|i|d)\$/, 'must be an argon2 hash: make one with `paperboy admin hash-password`'),
  ),
  ADMIN_TOKEN: optional(z.string().min(32, 'must be at least 32 characters')),
  /** A console session ends this many minutes after its last request. */
  ADMIN_SESSION_MINUTES: integer(120, 1),
  /** /metrics (Prometheus) answers only `Authorization: Bearer <METRICS_TOKEN>`; unset and no METRICS_PORT: no /metrics. */
  METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
  /** Serve /metrics on this port of HOST instead (no token needed there: bind it where only Prometheus reaches). */
  METRICS_PORT: optional(z.coerce.number().int().min(1).max(65535)),

  /** Circuit breaker: pause an edition once this share of its sends were refused for good (0–1)… */
  SEND_PAUSE_REFUSAL_RATE: z.coerce.number().min(0).max(1).default(0.2),
  /** …over at least this many attempts (a few bad addresses in a small run pause nothing). */
  SEND_PAUSE_MIN_ATTEMPTS: integer(50, 1),

  DIGEST_CRON: cronExpression.default('0 7 * * *'),
  /** When the delivery runs fire (UTC): each sends to the readers whose local delivery hour it is. */
  DIGEST_SLOT_CRON: cronExpression.default('0 * * * *'),
  DIGEST_TZ: timeZone.default('UTC'),
  DIGEST_SIZE: integer(10, 1).pipe(z.number().max(50)),
  /** The trending query's top papers frozen with an edition: what personal digests choose from. */
  DIGEST_POOL_SIZE: integer(50, 1).pipe(z.number().max(200)),
  /** How far a reader's taste tilts trending: score × (1 + TASTE_WEIGHT × similarity), similarity in [-1, 1]. */
  TASTE_WEIGHT: z.coerce.number().min(0).max(10).default(1),

  /** A paper listed longer ago than this never trends. */
  TRENDING_WINDOW_HOURS: integer(72, 1),
  /** Hacker News style gravity: score = points / (age_hours + 2) ^ gravity. */
  TRENDING_GRAVITY: z.coerce.number().min(0).max(5).default(1.8),
  /** How much one upvote gained in the last 24 hours weighs against one upvote in total. */
  TRENDING_VELOCITY_WEIGHT: z.coerce.number().min(0).max(100).default(2),

  PAPERS_SOURCE_URL: optional(url(['http:', 'https:'])),
  PAPERS_CRON: cronExpression.default('0 * * * *'),
  PAPERS_FETCH_TIMEOUT_MS: integer(15000, 100),
  PAPERS_MAX_BYTES: integer(20 * 1024 * 1024, 1024),

  CONFIRM_TOKEN_TTL_HOURS: integer(7 * 24, 1),
  /** At most one confirmation email per address per this many minutes. */
  CONFIRM_RESEND_MINUTES: integer(10),
  /**
   * At most this many confirmation emails per clock hour across the deployment (a subscription bombing's ceiling);
   * past it, subscriptions are still stored and their confirmations wait for the next hour. 0 = no cap.
   */
  CONFIRM_GLOBAL_PER_HOUR: integer(1000),
  /** Unsubscribed readers can undo it without a new confirmation for this long. */
  RESUBSCRIBE_WINDOW_DAYS: integer(30),
  SUBSCRIBE_RATE_LIMIT: integer(10, 1),
  SUBSCRIBE_RATE_WINDOW_SECONDS: integer(60, 1),

  WORKER_CONCURRENCY: integer(50, 1),
  DELIVERY_BATCH_SIZE: integer(100, 1),
  DELIVERY_MAX_ATTEMPTS: integer(8, 1),
  /** First retry delay of a batch after a temporary SMTP failure; doubles each attempt (2 s … ~4 min over 8). */
  DELIVERY_RETRY_DELAY_MS: integer(2000, 10),
  /** Lock on a running delivery batch: a killed worker's batch is picked up again after about this long. */
  DELIVERY_LOCK_MS: integer(30_000, 1000),
  /** Days an edition's delivery rows are kept; then only its counts remain (edition_delivery_counts). 0 = forever. */
  DELIVERY_RETENTION_DAYS: integer(30),
  SHUTDOWN_TIMEOUT_MS: integer(8000, 100),

  /** Load shedding: answer 503 + Retry-After while the mean event-loop delay exceeds this (ms); 0 = off. */
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: integer(200),
  /** Load shedding: answer 503 + Retry-After while the V8 heap in use exceeds this (MiB); 0 = off. */
  OVERLOAD_MAX_HEAP_USED_MB: integer(0),
  /** Load shedding: answer 503 + Retry-After while more queries than this wait for a database connection; 0 = off. */
  OVERLOAD_MAX_DB_WAITING: integer(500),
  /** Seconds a shed client is told to wait (Retry-After). */
  OVERLOAD_RETRY_AFTER_SECONDS: integer(5, 1),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates the environment; throws a ConfigError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const env = result.data;
  if (env.REDIS_CLUSTER_NODES) {
    const auth = /^rediss?:\/\/([^@/]*@)/.exec(env.REDIS_URL)?.[1] ?? '';
    const scheme = env.REDIS_URL.startsWith('rediss') ? 'rediss' : 'redis';
    env.REDIS_URL = `${scheme}+cluster://${auth}${env.REDIS_CLUSTER_NODES.replace(/\s+/g, '')}`;
  }
  try {
    if (parseRedisClusterUrl(env.REDIS_URL)) env.QUEUE_PREFIX = hashTaggedPrefix(env.QUEUE_PREFIX);
  } catch (error) {
    throw new ConfigError(`invalid configuration: REDIS_CLUSTER_NODES ${(error as Error).message}`);
  }
  if (env.NODE_ENV === 'production' && !env.SECRET_KEY) {
    throw new ConfigError('invalid configuration: SECRET_KEY is required when NODE_ENV=production');
  }
  // Without it every email would go to the development outbox and count as sent.
  if (env.NODE_ENV === 'production' && !env.SMTP_URL) {
    throw new ConfigError(
      'invalid configuration: SMTP_URL is required when NODE_ENV=production (without it mail only reaches the development outbox)',
    );
  }
  // A shared digest's delivery row is the record of what it carried ("never a paper twice"): kept at least as long
  // as a paper can come back (the trending window and a week's pools), as sent_papers is for personal ones.
  const keepDays = Math.ceil(env.TRENDING_WINDOW_HOURS / 24) + 8;
  if (env.DELIVERY_RETENTION_DAYS !== 0 && env.DELIVERY_RETENTION_DAYS < keepDays) {
    throw new ConfigError(
      `invalid configuration: DELIVERY_RETENTION_DAYS must be 0 (forever) or at least ${keepDays} (the trending window and a week): ` +
        'the delivery rows are what tells a reader was sent a paper',
    );
  }
  const dkim = [env.DKIM_DOMAIN, env.DKIM_SELECTOR, env.DKIM_PRIVATE_KEY].filter(Boolean).length;
  if (dkim !== 0 && dkim !== 3) {
    throw new ConfigError('invalid configuration: DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY go together');
  }
  return env;
}
