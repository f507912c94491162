// The operator console's door: no secret, no console; no session, no page (302/401); no CSRF token, no change;
// the 11th wrong password in a minute is throttled; the session cookie is HttpOnly, SameSite=Strict, scoped to
// /admin, Secure over https, expires, and is honoured by every API process (it lives in Redis).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import argon2 from 'argon2';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { insertSubscribers } from './support/digest.ts';
import { ADMIN_PASSWORD, logIn, openLoginPage, postLogin, sessionCookieOf, sessionFor, setCookieHeader } from './support/admin.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const ADMIN_TOKEN = 'an-admin-token-that-is-long-enough-0123456789';
let context: TestContext;
let app: FastifyInstance;
const adminRoutes: { method: string; url: string }[] = [];

before(async () => {
  const hash = await argon2.hash(ADMIN_PASSWORD, { type: argon2.argon2id });
  context = await createTestContext('admin-access', { ADMIN_PASSWORD_HASH: hash, ADMIN_TOKEN, ADMIN_SESSION_MINUTES: '30' });
  app = await buildApp(context.services, {
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        if (route.url.startsWith('/admin') && method !== 'HEAD') adminRoutes.push({ method, url: route.url });
      }
    },
  });
});
after(async () => {
  await app?.close();
  await context?.close();
});

/** A concrete URL for a route pattern (its parameters filled with something well-formed). */
const concrete = (url: string) =>
  url
    .replace(':id', '1')
    .replace(':date', '2026-01-01')
    .replace(':name', 'dashboard.js')
    .replace('*', 'x')
    .replace(/\/:[a-zA-Z]+/g, '/x');

test('with no admin secret there is no console: every /admin address is the ordinary 404', async () => {
  const env = { ...context.env, ADMIN_PASSWORD_HASH: undefined, ADMIN_TOKEN: undefined };
  const bare = await buildApp({ ...context.services, env });
  try {
    for (const url of ['/admin', '/admin/login', '/admin/readers', '/admin/queues', '/admin/assets/uplot.js', '/admin/editions']) {
      const response = await bare.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.headers['set-cookie'], undefined, url);
    }
    const login = await bare.inject({ method: 'POST', url: '/admin/login', payload: { password: ADMIN_PASSWORD } });
    assert.equal(login.statusCode, 404);
  } finally {
    await bare.close();
  }
});

test('without a session every console route answers 302 to the login page (GET) or 401 (anything else)', async () => {
  const guarded = adminRoutes.filter((route) => route.url !== '/admin/login' && !route.url.startsWith('/admin/assets'));
  assert.ok(guarded.length >= 15, `expected the console's routes, saw ${guarded.length}`);
  assert.ok(
    guarded.some((route) => route.url.startsWith('/admin/queues')),
    'bull-board is mounted under the guard',
  );
  for (const route of guarded) {
    const response = await app.inject({ method: route.method as 'GET', url: concrete(route.url) });
    if (route.method === 'GET') {
      assert.equal(response.statusCode, 302, `${route.method} ${route.url}`);
      assert.equal(response.headers.location, '/admin/login');
    } else {
      assert.equal(response.statusCode, 401, `${route.method} ${route.url}`);
    }
  }
  // A forged or stale cookie is no session either.
  const forged = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: 'paperboy_admin=abc.def' } });
  assert.equal(forged.statusCode, 302);
});

test('logging in sets a new HttpOnly, SameSite=Strict session cookie scoped to /admin that expires', async () => {
  const login = await openLoginPage(app);
  const cookie = setCookieHeader(login.page);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  assert.match(cookie, /Path=\/admin/);
  assert.doesNotMatch(cookie, /Secure/i, 'PUBLIC_URL is http: a Secure cookie would never come back');

  const answer = await postLogin(app, login, ADMIN_PASSWORD);
  assert.equal(answer.statusCode, 303);
  assert.equal(answer.headers.location, '/admin');
  const session = sessionCookieOf(answer)!;
  assert.notEqual(session, login.cookie, 'a new session id after login (no fixation)');
  assert.match(setCookieHeader(answer), /Max-Age=1800|Expires=/i);
  const dashboard = await sessionFor(app, session).get('/admin');
  assert.equal(dashboard.statusCode, 200);
  assert.match(dashboard.body, /<h1>Dashboard<\/h1>/);
  // The pre-login session is worth nothing now.
  assert.equal((await sessionFor(app, login.cookie).get('/admin')).statusCode, 302);

  // The record lives in Redis and expires with the session (ADMIN_SESSION_MINUTES = 30).
  const keys = await context.services.redis.keys(`${context.env.QUEUE_PREFIX}:admin-session:*`);
  assert.ok(keys.length >= 1);
  const ttls = await Promise.all(keys.map((key) => context.services.redis.pttl(key)));
  for (const ttl of ttls) assert.ok(ttl > 0 && ttl <= 30 * 60_000, `ttl ${ttl}`);
  // Once the record is gone (expired), the cookie opens nothing.
  await context.services.redis.del(...keys);
  assert.equal((await sessionFor(app, session).get('/admin')).statusCode, 302);
});

test('a session made by one API process is honoured by another (it lives in Redis, not in memory)', async () => {
  const other = await buildApp(context.services);
  try {
    const session = await logIn(app);
    assert.equal((await sessionFor(other, session.cookie).get('/admin/readers')).statusCode, 200);
    // Logging out on the other ends it everywhere.
    const csrf = await sessionFor(other, session.cookie).csrf('/admin/readers');
    assert.equal((await sessionFor(other, session.cookie).post('/admin/logout', { _csrf: csrf })).statusCode, 303);
    assert.equal((await session.get('/admin')).statusCode, 302);
  } finally {
    await other.close();
  }
});

test('over https the session cookie is Secure', async () => {
  const env = { ...context.env, PUBLIC_URL: 'https://paperboy.example', TRUST_PROXY: 1 };
  const secure = await buildApp({ ...context.services, env });
  try {
    // Behind the TLS-terminating proxy (TRUST_PROXY), which says so (X-Forwarded-Proto): only then is a Secure cookie set at all.
    const page = await secure.inject({ method: 'GET', url: '/admin/login', headers: { 'x-forwarded-proto': 'https' } });
    assert.match(setCookieHeader(page), /; Secure/);
    assert.match(setCookieHeader(page), /HttpOnly/);
  } finally {
    await secure.close();
  }
});

test('a form posted without its CSRF token (or with a wrong one) is refused and changes nothing', async () => {
  const [id] = await insertSubscribers(context.database.pool, [{ email: 'csrf-target@example.org', status: 'confirmed' }]);
  const session = await logIn(app);
  const missing = await session.post(`/admin/readers/${id}/unsubscribe`);
  assert.equal(missing.statusCode, 403);
  const wrong = await session.post(`/admin/readers/${id}/unsubscribe`, { _csrf: 'not-the-token' });
  assert.equal(wrong.statusCode, 403);
  const erase = await session.post(`/admin/readers/${id}/erase`);
  assert.equal(erase.statusCode, 403);
  const { rows } = await context.database.pool.query('SELECT status FROM subscribers WHERE id = $1', [id]);
  assert.deepEqual(rows, [{ status: 'confirmed' }]);
  // With it, the same post works.
  const done = await session.post(`/admin/readers/${id}/unsubscribe`, { _csrf: await session.csrf(`/admin/readers/${id}`) });
  assert.equal(done.statusCode, 200);
  const { rows: after } = await context.database.pool.query('SELECT status FROM subscribers WHERE id = $1', [id]);
  assert.deepEqual(after, [{ status: 'unsubscribed' }]);
});

test('the 11th wrong password in a minute is throttled (429), before the password is even checked', async () => {
  const client = '203.0.113.77';
  const login = await openLoginPage(app, client);
  for (let attempt = 1; attempt <= 10; attempt += 1) {
    const response = await postLogin(app, login, `wrong password ${attempt}`, client);
    assert.equal(response.statusCode, 401, `attempt ${attempt}`);
    assert.match(response.body, /That password is not right/);
  }
  const eleventh = await postLogin(app, login, 'wrong password 11', client);
  assert.equal(eleventh.statusCode, 429);
  assert.ok(eleventh.headers['retry-after']);
  // Throttled means throttled: not even the right password gets in from there this minute.
  assert.equal((await postLogin(app, login, ADMIN_PASSWORD, client)).statusCode, 429);
  // Another address is not locked out by it.
  assert.equal((await logIn(app, ADMIN_PASSWORD, '198.51.100.5')).cookie.startsWith('paperboy_admin='), true);
});

test('ADMIN_TOKEN works as the password and as a Bearer token for scripts (which need no CSRF token)', async () => {
  const session = await logIn(app, ADMIN_TOKEN, '192.0.2.10');
  assert.equal((await session.get('/admin')).statusCode, 200);
  const bearer = await app.inject({ method: 'GET', url: '/admin/suppressions', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(bearer.statusCode, 200);
  const wrong = await app.inject({ method: 'GET', url: '/admin/suppressions', headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
  assert.equal(wrong.statusCode, 302);
  const [id] = await insertSubscribers(context.database.pool, [{ email: 'bearer-target@example.org', status: 'confirmed' }]);
  const posted = await app.inject({
    method: 'POST',
    url: `/admin/readers/${id}/suppress`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(posted.statusCode, 200);
  const { rows } = await context.database.pool.query('SELECT status FROM subscribers WHERE id = $1', [id]);
  assert.deepEqual(rows, [{ status: 'suppressed' }]);
});
