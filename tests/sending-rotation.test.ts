// Rotating SECRET_KEY: with the old key in SECRET_KEY_PREVIOUS, unsubscribe links sent before still work (the
// README promises they never expire); new links are signed with the new key only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseEnv } from '../src/config/env.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { openServices, type Services } from '../src/runtime/services.ts';
import { deriveKeys } from '../src/security/keys.ts';
import { verifyToken } from '../src/security/tokens.ts';
import { unsubscribeUrl } from '../src/subscriptions/links.ts';
import { insertSubscribers, publicIdOf } from './support/digest.ts';
import { createTestContext, testEnv, TEST_SECRET, type TestContext } from './support/services.ts';
import { legacyTokenFor, postForm, SUBSCRIPTION_TEST_ENV } from './support/subscriptions.ts';

const NEW_SECRET = 'the-new-secret-key-after-rotation-0123456789';
const OLDER_SECRET = 'an-even-older-secret-key-from-last-year-0000';

let context: TestContext;
const opened: Services[] = [];
before(async () => {
  context = await createTestContext('sending-rotation', SUBSCRIPTION_TEST_ENV);
});
after(async () => {
  for (const services of opened) await services.close();
  await context.close();
});

async function servicesWith(keys: { SECRET_KEY: string; SECRET_KEY_PREVIOUS?: string }): Promise<Services> {
  const env = testEnv({
    ...SUBSCRIPTION_TEST_ENV,
    DATABASE_URL: context.env.DATABASE_URL,
    QUEUE_PREFIX: context.env.QUEUE_PREFIX,
    SMTP_URL: context.env.SMTP_URL,
    ...keys,
  });
  const services = await openServices(env, { logger: createLogger('silent') });
  opened.push(services);
  return services;
}

const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

test('SECRET_KEY_PREVIOUS takes one or more keys, comma-separated, each long enough', () => {
  assert.equal(parseEnv({ SECRET_KEY_PREVIOUS: `${TEST_SECRET}, ${OLDER_SECRET}` }).SECRET_KEY_PREVIOUS?.length, 2);
  assert.throws(() => parseEnv({ SECRET_KEY_PREVIOUS: `${TEST_SECRET},short` }), /SECRET_KEY_PREVIOUS/);
});

test('after rotating SECRET_KEY with the old one in SECRET_KEY_PREVIOUS, an unsubscribe link from before still works', async () => {
  const { pool } = context.database;
  const [id, otherId, oldestId] = await insertSubscribers(pool, [
    { email: 'rotated@example.org', status: 'confirmed' },
    { email: 'older@example.org', status: 'confirmed' },
    { email: 'oldest@example.org', status: 'confirmed' },
  ]);
  // Sent before the rotation (SECRET_KEY = TEST_SECRET), one from the rotation before that, and one from before
  // public ids (a row id in the token) signed with that older key.
  const publicId = await publicIdOf(pool, id!);
  const oldLink = unsubscribeUrl(context.env, context.services.keys, publicId);
  const olderLink = unsubscribeUrl(context.env, deriveKeys(OLDER_SECRET), await publicIdOf(pool, otherId!));
  const oldestToken = legacyTokenFor(deriveKeys(OLDER_SECRET).tokens, 'unsubscribe', oldestId!);

  const forgetful = await buildApp(await servicesWith({ SECRET_KEY: NEW_SECRET }));
  try {
    const refused = await forgetful.inject({ url: `/unsubscribe?token=${tokenOf(oldLink)}` });
    assert.equal(refused.statusCode, 400, 'without SECRET_KEY_PREVIOUS the old link is refused (the bug this fixes)');
  } finally {
    await forgetful.close();
  }

  const rotated = await servicesWith({ SECRET_KEY: NEW_SECRET, SECRET_KEY_PREVIOUS: `${TEST_SECRET},${OLDER_SECRET}` });
  const app = await buildApp(rotated);
  try {
    const page = await app.inject({ url: `/unsubscribe?token=${tokenOf(oldLink)}` });
    assert.equal(page.statusCode, 200, page.body);
    const done = await postForm(app, '/unsubscribe', { token: tokenOf(oldLink) });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal((await postForm(app, '/unsubscribe', { token: tokenOf(olderLink) })).statusCode, 200, 'every previous key verifies');
    assert.equal((await postForm(app, '/unsubscribe', { token: oldestToken })).statusCode, 200, 'an old-format token too');
    const { rows } = await pool.query<{ status: string }>(`SELECT status FROM subscribers WHERE id = ANY($1) ORDER BY id`, [
      [id, otherId, oldestId],
    ]);
    assert.deepEqual(
      rows.map((row) => row.status),
      ['unsubscribed', 'unsubscribed', 'unsubscribed'],
    );

    // New links use the new key alone.
    const newToken = tokenOf(unsubscribeUrl(rotated.env, rotated.keys, publicId));
    assert.ok(verifyToken(deriveKeys(NEW_SECRET).tokens, newToken, 'unsubscribe').ok);
    assert.equal(verifyToken(context.services.keys.tokens, newToken, 'unsubscribe').ok, false);
    // A forged token stays forged whatever keys are tried.
    const forged = `${newToken.split('.')[0]}.${'A'.repeat(43)}`;
    assert.equal((await app.inject({ url: `/unsubscribe?token=${forged}` })).statusCode, 400);
  } finally {
    await app.close();
  }
});
