// Personal digests end to end (real Postgres, Redis, SMTP; in-process workers): one frozen edition, each reader's
// own list, order and lines of why; the shared digest untouched for everyone else; DKIM valid on both.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { Pool } from '../src/db/pool.ts';
import { createLogger } from '../src/logger.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { saveReaderSettings } from '../src/db/reader-settings.ts';
import { applySettings, defaultSettingsFor, type SettingsPatch } from '../src/subscriptions/preferences.ts';
import { editionSettled, insertPapers, insertSubscribers, startDigestWorkers, upcomingDate, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_KEY_TXT = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

let context: TestContext;
before(async () => {
  context = await createTestContext('digest-personal', {
    DIGEST_SIZE: '10',
    DIGEST_POOL_SIZE: '30',
    TASTE_WEIGHT: '2',
    DKIM_DOMAIN: 'paperboy.test',
    DKIM_SELECTOR: 'pb',
    DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
});
after(() => context?.close());

const DIFFUSION = 'Denoising diffusion models generate images by reversing a noise process with a score network.';
const RL = 'Reinforcement learning agents learn a policy from reward with value functions and exploration.';
const OTHER = 'A survey of tabular databases, query planners and indexes for transaction processing.';

/** Papers rated long ago: outside the trending window, so they are never candidates themselves. */
async function ratedPapers(pool: Pool, titles: string[], abstract: string): Promise<number[]> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO papers (external_id, title, abstract, url, listed_at, upvotes)
     SELECT 'old-' || md5(t), t, $2, 'https://arxiv.org/abs/old', now() - interval '60 days', 10 FROM unnest($1::text[]) AS t
     RETURNING id`,
    [titles, abstract],
  );
  return rows.map((row) => row.id);
}

async function rate(pool: Pool, subscriberId: number, paperIds: number[], vote: 1 | -1) {
  await pool.query(`INSERT INTO ratings (subscriber_id, paper_id, vote) SELECT $1, unnest($2::bigint[]), $3`, [
    subscriberId,
    paperIds,
    vote,
  ]);
}

async function settle(pool: Pool, subscriberId: number, patch: SettingsPatch) {
  const settings = applySettings(defaultSettingsFor(context.env), patch);
  await saveReaderSettings(pool, subscriberId, settings, 7);
}

const messageTo = (address: string) => {
  const received = context.smtp.messages.filter((message) => message.envelopeTo.includes(address));
  assert.ok(received.length <= 1, `${address}: at most one digest`);
  return received[0];
};
/** The titles of the papers in the text part, in order ("  1. Title"). */
const titlesIn = (text: string) => [...text.matchAll(/^ ?\d+\. (.+)$/gm)].map((match) => match[1]!.trim());
/** The line under each title: the why (personal) or the votes (shared). */
const linesAfterTitles = (text: string) => [...text.matchAll(/^ ?\d+\. .+\n {4}(.+)$/gm)].map((match) => match[1]!.trim());

test('readers with opposite tastes get the same edition in different orders, with the right why lines; the rest get the shared digest', async () => {
  const { pool } = context.database;
  const date = upcomingDate(1);
  const likedDiffusion = await ratedPapers(
    pool,
    ['Diffusion models beat GANs', 'Score-based generative diffusion', 'Latent diffusion for images'],
    DIFFUSION,
  );
  const likedRl = await ratedPapers(
    pool,
    ['Deep reinforcement learning from rewards', 'Policy gradients for agents', 'Value-based RL exploration'],
    RL,
  );
  // Today's candidates, interleaved by votes: trending alone mixes them.
  const today = await insertPapers(pool, [
    { title: 'RL one: exploration bonuses for agents', abstract: RL, upvotes: 100 },
    { title: 'Diffusion one: faster denoising sampler', abstract: DIFFUSION, upvotes: 95 },
    { title: 'Databases one', abstract: OTHER, upvotes: 90, authors: ['Edgar Codd'] },
    { title: 'RL two: reward models for policy learning', abstract: RL, upvotes: 85 },
    { title: 'Diffusion two: video diffusion with score networks', abstract: DIFFUSION, upvotes: 80 },
    { title: 'Databases two', abstract: OTHER, upvotes: 75 },
    { title: 'Diffusion three: image diffusion at scale', abstract: DIFFUSION, upvotes: 70 },
    { title: 'RL three: value functions revisited', abstract: RL, upvotes: 65 },
  ]);
  // Listed together: trending is then their votes, and taste (TASTE_WEIGHT 2) can reorder them.
  await pool.query(`UPDATE papers SET listed_at = now() - interval '2 hours' WHERE id = ANY($1::bigint[])`, [today]);
  const emails = [
    'diffusion@example.org',
    'rl@example.org',
    'plain@example.org',
    'five@example.org',
    'nodiff@example.org',
    'quantum@example.org',
    'codd@example.org',
  ];
  const [diffusionFan, rlFan, , five, noDiffusion, quantum, coddFan] = await insertSubscribers(
    pool,
    emails.map((email) => ({ email, status: 'confirmed' as const })),
  );
  await rate(pool, diffusionFan!, likedDiffusion, 1);
  await rate(pool, rlFan!, likedRl, 1);
  await settle(pool, five!, { size: 5 });
  await settle(pool, noDiffusion!, { topics: { exclude: ['diffusion'] } });
  await settle(pool, quantum!, { topics: { include: ['quantum'], only: true } });
  await settle(pool, coddFan!, { authors: ['Edgar Codd'], topics: { include: ['reward'] } });

  const logged: string[] = [];
  const logger = createLogger('info', 'paperboy', { write: (line: string) => void logged.push(line) });
  const workers = startDigestWorkers({ ...context.services, logger });
  try {
    await enqueueDigest(context.services.queues, date);
    assert.deepEqual(await waitFor(() => editionSettled(pool, date), 'the edition to be sent'), { sent: 6, skipped: 1 });
  } finally {
    await workers.close();
  }

  const text = (address: string) => messageTo(address)!.parsed.text!;
  const diffusionOrder = titlesIn(text('diffusion@example.org'));
  const rlOrder = titlesIn(text('rl@example.org'));
  const sharedOrder = titlesIn(text('plain@example.org'));
  assert.equal(sharedOrder.length, 8);
  assert.deepEqual(
    sharedOrder.slice(0, 2),
    ['RL one: exploration bonuses for agents', 'Diffusion one: faster denoising sampler'],
    'trending order',
  );
  assert.deepEqual([...diffusionOrder].sort(), [...sharedOrder].sort(), 'the same edition');
  assert.deepEqual([...rlOrder].sort(), [...sharedOrder].sort(), 'the same edition');
  assert.notDeepEqual(diffusionOrder, rlOrder, 'in different orders');
  assert.ok(
    diffusionOrder.slice(0, 3).every((title) => title.startsWith('Diffusion')),
    diffusionOrder.join(' | '),
  );
  assert.ok(
    rlOrder.slice(0, 3).every((title) => title.startsWith('RL')),
    rlOrder.join(' | '),
  );
  const diffusionWhy = linesAfterTitles(text('diffusion@example.org'));
  assert.match(diffusionWhy[0]!, /^you liked “(Diffusion models beat GANs|Score-based generative diffusion|Latent diffusion for images)”$/);
  assert.match(
    linesAfterTitles(text('rl@example.org'))[0]!,
    /^you liked “(Deep reinforcement learning from rewards|Policy gradients for agents|Value-based RL exploration)”$/,
  );
  assert.ok(
    !linesAfterTitles(text('plain@example.org')).some((line) => line.startsWith('you liked')),
    'the shared digest has no why lines',
  );
  assert.match(messageTo('diffusion@example.org')!.parsed.html as string, /you liked “/);

  // Size, exclusions, only-my-topics, followed authors.
  assert.equal(titlesIn(text('five@example.org')).length, 5, 'a reader asking for 5 papers gets 5');
  assert.deepEqual(titlesIn(text('five@example.org')), sharedOrder.slice(0, 5));
  const withoutDiffusion = titlesIn(text('nodiff@example.org'));
  assert.equal(withoutDiffusion.length, 5);
  assert.ok(!withoutDiffusion.some((title) => /diffusion/i.test(title)), withoutDiffusion.join(' | '));
  assert.ok(!/diffusion/i.test(messageTo('nodiff@example.org')!.parsed.html as string), 'not even in the HTML');
  assert.equal(messageTo('quantum@example.org'), undefined, 'only my topics, none today: no email');
  assert.ok(
    logged.some((line) => /nothing to send this reader today/.test(line) && /topics/.test(line)),
    'and the log says so',
  );
  const coddWhy = linesAfterTitles(text('codd@example.org'));
  const coddTitles = titlesIn(text('codd@example.org'));
  assert.equal(coddWhy[coddTitles.indexOf('Databases one')], 'by Edgar Codd, whom you follow');
  assert.ok(coddWhy.includes('matches reward'), coddWhy.join(' | '));

  // Every message is DKIM-signed and verifies, shared and personal alike.
  for (const address of emails.filter((email) => email !== 'quantum@example.org')) {
    const result = await dkimVerify(messageTo(address)!.raw, {
      resolver: async (name: string, type: string) => {
        if (type === 'TXT' && name === 'pb._domainkey.paperboy.test') return [[PUBLIC_KEY_TXT]];
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      },
    });
    assert.equal(result.results[0]?.status.result, 'pass', `${address}: ${JSON.stringify(result.results[0]?.status)}`);
  }

  // What each reader was sent is recorded: never twice.
  const sent = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sent_papers WHERE subscriber_id = $1', [five]);
  assert.equal(sent.rows[0]!.n, 5);
  assert.ok(today.length === 8);
});
