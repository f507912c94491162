// Fixtures for the digest tests: papers and subscribers put straight into Postgres, in-process workers.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '../../src/db/pool.ts';
import { deliveriesProcessor } from '../../src/digest/deliveries-job.ts';
import { digestProcessor, enqueueDigest } from '../../src/digest/digest-job.ts';
import { readerLinks } from '../../src/digest/send-deliveries.ts';
import { deriveKeys } from '../../src/security/keys.ts';
import type { RunningWorkers, WorkerDefinition } from '../../src/queue/workers.ts';
import { startProcessors } from '../../src/runtime/processors.ts';
import type { Services } from '../../src/runtime/services.ts';

export interface PaperFixture {
  title?: string;
  abstract?: string;
  authors?: string[];
  url?: string;
  codeUrl?: string | null;
  upvotes?: number;
}

let paperSerial = 0;

/** Papers listed in the last hours, so the trending query picks them (more upvotes ranks higher). */
export async function insertPapers(pool: Pool, papers: PaperFixture[]): Promise<number[]> {
  const ids: number[] = [];
  for (const [index, paper] of papers.entries()) {
    paperSerial += 1;
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO papers (external_id, title, abstract, authors, url, code_url, listed_at, upvotes)
       VALUES ($1, $2, $3, $4, $5, $6, now() - make_interval(hours => $7), $8)
       RETURNING id`,
      [
        `2611.${String(paperSerial).padStart(5, '0')}-${Math.random().toString(36).slice(2, 8)}`,
        paper.title ?? `Paper number ${index + 1}: scaling laws for tiny things`,
        paper.abstract ?? `We study $\\mathcal{O}(n \\log n)$ attention for paper ${index + 1}. ` + 'It works well. '.repeat(20),
        paper.authors ?? ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Kurt Gödel', 'Emmy Noether'],
        paper.url ?? `https://arxiv.org/abs/2611.${String(index).padStart(5, '0')}`,
        paper.codeUrl === undefined ? `https://github.com/example/paper-${index}` : paper.codeUrl,
        1 + index,
        paper.upvotes ?? 100 - index,
      ],
    );
    ids.push(rows[0]!.id);
  }
  return ids;
}

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed' | 'suppressed';

export async function insertSubscribers(pool: Pool, subscribers: { email: string; status: SubscriberStatus }[]): Promise<number[]> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO subscribers (email_input, email, status, confirmed_at)
     SELECT e, e, s::subscriber_status, CASE WHEN s = 'confirmed' THEN now() END
       FROM unnest($1::text[], $2::text[]) AS t(e, s)
     RETURNING id`,
    [subscribers.map((subscriber) => subscriber.email), subscribers.map((subscriber) => subscriber.status)],
  );
  return rows.map((row) => row.id);
}

/** The public id of a subscriber row: what names the reader in links, tokens, VERP tags and Message-IDs. */
export async function publicIdOf(pool: Pool, subscriberId: number): Promise<string> {
  const { rows } = await pool.query<{ publicId: string }>(
    `SELECT replace(public_id::text, '-', '') AS "publicId" FROM subscribers WHERE id = $1`,
    [subscriberId],
  );
  return rows[0]!.publicId;
}

/** Many confirmed readers at once, set-based: reader-1@example.org … */
export async function insertConfirmedReaders(pool: Pool, count: number, domain = 'example.org'): Promise<void> {
  await pool.query(
    `INSERT INTO subscribers (email_input, email, status, confirmed_at)
     SELECT 'reader-' || n || '@' || $2, 'reader-' || n || '@' || $2, 'confirmed', now() FROM generate_series(1, $1) AS n`,
    [count, domain],
  );
}

export function startDigestWorkers(services: Services): RunningWorkers {
  return startProcessors(services, [digestProcessor(services) as WorkerDefinition, deliveriesProcessor(services) as WorkerDefinition]);
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function deliveryStatuses(pool: Pool, editionDate: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(
    `SELECT d.status, count(*)::int AS n FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE e.edition_date = $1 GROUP BY d.status`,
    [editionDate],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/**
 * Sends the edition of `editionDate` as the scheduler would, with digest workers of this process, waits until every
 * delivery is final, and returns the deliveries by status.
 */
export async function sendEdition(services: Services, editionDate: string): Promise<Record<string, number>> {
  const workers = startDigestWorkers(services);
  try {
    await enqueueDigest(services.queues, editionDate);
    return await waitFor(() => editionSettled(services.pool, editionDate), 'the edition to be sent', 30_000);
  } finally {
    await workers.close();
  }
}

/** Every delivery of the edition final (none queued or sending), and at least one row. */
export async function editionSettled(pool: Pool, editionDate: string): Promise<Record<string, number> | undefined> {
  const statuses = await deliveryStatuses(pool, editionDate);
  const total = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return total > 0 && !statuses.queued && !statuses.sending ? statuses : undefined;
}

/**
 * A calendar day `daysAhead` days from now (UTC). Tests send editions for today or later: an edition of a
 * past day ranks the papers as of that day's end, and the fixtures' papers are listed relative to now.
 */
export function upcomingDate(daysAhead: number): string {
  return new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
}

/** A reader's preferences and rating links, for tests that build digest messages by hand. */
export const exampleReaderLinks = readerLinks(
  { env: { PUBLIC_URL: 'https://paperboy.example' }, keys: deriveKeys('example-secret-that-is-long-enough-0123') },
  '0123456789abcdef0123456789abcdef',
);
