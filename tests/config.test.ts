import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnv } from '../src/config/env.ts';

test('an empty environment gives the documented local defaults', () => {
  const env = parseEnv({});
  assert.equal(env.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/paperboy');
  assert.equal(env.REDIS_URL, 'redis://127.0.0.1:6379');
  assert.equal(env.QUEUE_PREFIX, 'paperboy');
  assert.equal(env.SMTP_URL, undefined);
  assert.equal(env.MAIL_FROM, 'Paperboy <digest@localhost>');
  assert.equal(env.PUBLIC_URL, 'http://localhost:3000');
  assert.equal(env.HOST, '127.0.0.1');
  assert.equal(env.PORT, 3000);
  assert.equal(env.DIGEST_CRON, '0 7 * * *');
  assert.equal(env.DIGEST_TZ, 'UTC');
  assert.equal(env.DIGEST_SIZE, 10);
  assert.equal(env.CONFIRM_RESEND_MINUTES, 10);
});

test('a bad variable is named in one clear message', () => {
  assert.throws(() => parseEnv({ PORT: 'eighty' }), /PORT/);
  assert.throws(() => parseEnv({ REDIS_URL: 'http://nope' }), /REDIS_URL must be a URL starting with redis:\/\//);
  assert.throws(() => parseEnv({ DIGEST_TZ: 'Mars/Olympus' }), /DIGEST_TZ/);
  assert.throws(() => parseEnv({ SMTP_URL: 'not a url' }), /SMTP_URL/);
  assert.throws(() => parseEnv({ SECRET_KEY: 'short' }), /SECRET_KEY must be at least 32 characters/);
});

test('production refuses to start without SECRET_KEY', () => {
  assert.throws(() => parseEnv({ NODE_ENV: 'production' }), /SECRET_KEY is required when NODE_ENV=production/);
  assert.doesNotThrow(() => parseEnv({ NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(32), SMTP_URL: 'smtp://relay.example.org:587' }));
});

test('an empty variable counts as unset', () => {
  assert.equal(parseEnv({ SMTP_URL: '' }).SMTP_URL, undefined);
});

test('DKIM settings come all together or not at all', () => {
  assert.throws(() => parseEnv({ DKIM_DOMAIN: 'example.org' }), /DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY go together/);
});

test('deliveries are kept at least as long as a paper can come back, or forever', () => {
  assert.throws(() => parseEnv({ DELIVERY_RETENTION_DAYS: '10' }), /DELIVERY_RETENTION_DAYS must be 0 \(forever\) or at least 11/);
  assert.throws(() => parseEnv({ DELIVERY_RETENTION_DAYS: '12', TRENDING_WINDOW_HOURS: '120' }), /at least 13/);
  assert.equal(parseEnv({ DELIVERY_RETENTION_DAYS: '11' }).DELIVERY_RETENTION_DAYS, 11);
  assert.equal(parseEnv({ DELIVERY_RETENTION_DAYS: '0' }).DELIVERY_RETENTION_DAYS, 0);
});

test('a BOUNCE_ADDRESS or MAIL_UNSUBSCRIBE_MAILTO too long for a signed tag is refused at start, not at the first send', () => {
  assert.equal(parseEnv({ BOUNCE_ADDRESS: `${'b'.repeat(19)}@mail.example.org` }).BOUNCE_ADDRESS, `${'b'.repeat(19)}@mail.example.org`);
  assert.throws(() => parseEnv({ BOUNCE_ADDRESS: `${'b'.repeat(20)}@mail.example.org` }), /BOUNCE_ADDRESS its local part .* at most 19/);
  assert.ok(parseEnv({ MAIL_UNSUBSCRIBE_MAILTO: `${'u'.repeat(20)}@mail.example.org` }).MAIL_UNSUBSCRIBE_MAILTO);
  assert.throws(
    () => parseEnv({ MAIL_UNSUBSCRIBE_MAILTO: `${'u'.repeat(21)}@mail.example.org` }),
    /MAIL_UNSUBSCRIBE_MAILTO its local part .* at most 20/,
  );
});
