// Attack and bad input: fast-check throws generated bodies, headers and query strings at every route the
// app has (collected as the app registers them, so a new route is fuzzed without touching this file).
// Promises: never a 5xx, never a stack trace or internal detail in a response, and the subscribers table
// only ever holds addresses a valid request would store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { signToken } from '../src/security/tokens.ts';
import { normaliseAddress } from '../src/subscriptions/address.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { legacyTokenFor } from './support/subscriptions.ts';

const TOTAL_RUNS = 10_000;

let context: TestContext;
let app: FastifyInstance;
const routes: { method: string; url: string }[] = [];

before(async () => {
  // The rate limit is raised so the fuzzer reaches the handlers instead of a 429 after ten requests.
  context = await createTestContext('fuzz', { SUBSCRIBE_RATE_LIMIT: '1000000000' });
  app = await buildApp(context.services, {
    onRoute: (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    },
  });
  await app.ready();
});
after(async () => {
  await app?.close();
  await context?.close();
});

// ---- what the fuzzer sends ----------------------------------------------------------------------

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 80 });
const nastyString = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  printable,
  fc.constantFrom(
    '',
    ' ',
    '\r\nBcc: victim@example.org',
    "' OR 1=1 --",
    "'); DROP TABLE subscribers; --",
    '<script>alert(1)</script>',
    '{{constructor.constructor("return process")()}}',
    '../../../../etc/passwd',
    '%00',
    '\u0000',
    '__proto__',
    'a'.repeat(5000),
    'List-Unsubscribe=One-Click',
  ),
);
/** Addresses, valid and nearly valid: these are what could end up stored. */
const address = fc.oneof(
  fc.emailAddress(),
  fc.emailAddress().map((email) => ` ${email.toUpperCase()} `),
  fc.emailAddress().map((email) => `${email}\r\nBcc: x@example.org`),
  fc.tuple(fc.emailAddress(), nastyString).map(([email, junk]) => email + junk),
  fc.constantFrom(
    'ada@example.org',
    'ada+papers@bücher.example',
    'a@b',
    '"quoted"@example.org',
    '@example.org',
    'ada@',
    'ada@@example.org',
  ),
);

// Tokens: real ones (signed with the app's key, for readers that may or may not exist: by public id, or in the old
// format by row id, which hits existing rows), and broken ones.
const token = fc.oneof(
  nastyString,
  fc.base64String({ maxLength: 120 }),
  fc
    .record({
      purpose: fc.constantFrom('confirm' as const, 'unsubscribe' as const),
      reader: fc.oneof(
        fc.integer({ min: 1, max: 400 }),
        fc.stringMatching(/^[0-9a-f]{32}$/).map((publicId) => ({ publicId })),
      ),
      expiresAt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 31 })),
    })
    .chain(({ purpose, reader, expiresAt }) => {
      const key = context.services.keys.tokens;
      const signed =
        typeof reader === 'number'
          ? legacyTokenFor(key, purpose, reader, expiresAt)
          : signToken(key, { purpose, subscriber: reader, expiresAt });
      return fc.oneof(
        fc.constant(signed),
        fc.nat({ max: signed.length - 1 }).map((cut) => signed.slice(0, cut)),
        fc.nat({ max: signed.length - 1 }).map((at) => signed.slice(0, at) + (signed[at] === 'A' ? 'B' : 'A') + signed.slice(at + 1)),
        fc.constant(signed + signed),
      );
    }),
);

const fieldName = fc.oneof(
  fc.constantFrom('email', 'token', 'website', 'List-Unsubscribe', 'action', 'resubscribe', '__proto__', 'constructor'),
  fc.string({ maxLength: 12 }),
);
const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  address,
  token,
  nastyString,
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(address, { maxLength: 3 }),
);
const fields = fc.oneof(
  fc.dictionary(fieldName, fieldValue, { maxKeys: 5 }),
  // Shaped like the real form, so a share of requests get deep (and some are valid subscriptions).
  fc.record({ email: address }),
  fc.record({ email: address, website: fc.oneof(fc.constant(''), nastyString) }),
  fc.record({ token, 'List-Unsubscribe': fc.oneof(fc.constant('One-Click'), nastyString) }, { requiredKeys: ['token'] }),
);

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=utf-16',
  ),
  printable,
);

type Body = { kind: 'json' | 'form' | 'raw' | 'none'; value: unknown; payload?: string };
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: fields.map((value) => ({ kind: 'json' as const, value, payload: JSON.stringify(value) })) },
  {
    weight: 4,
    arbitrary: fields.map((value) => {
      const form = new URLSearchParams();
      for (const [key, item] of Object.entries(value))
        for (const one of [item].flat()) form.append(key, typeof one === 'object' && one !== null ? JSON.stringify(one) : String(one));
      return { kind: 'form' as const, value, payload: form.toString() };
    }),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ kind: 'json' as const, value, payload: JSON.stringify(value) ?? 'null' })) },
  { weight: 2, arbitrary: nastyString.map((value) => ({ kind: 'raw' as const, value, payload: value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'raw' as const, value: 'x', payload: 'email=' + 'x'.repeat(70 * 1024) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const, value: undefined }) },
);

const query = fc.oneof(
  fc.dictionary(fieldName, fc.oneof(token, address, nastyString), { maxKeys: 4 }).map((value) => new URLSearchParams(value).toString()),
  printable.map((raw) => raw.replace(/#/g, '')),
  fc.constant(''),
);

const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,20}$/);
const headers = fc.record(
  {
    'content-type': contentType,
    accept: fc.oneof(fc.constantFrom('application/json', 'text/html', '*/*', 'text/html, application/json', 'application/xml'), printable),
    'x-forwarded-for': printable,
    'accept-language': printable,
    extra: fc.dictionary(headerName, printable, { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

/** Fills `:param` and `*` in a route's path with generated segments. */
function fillPath(url: string): fc.Arbitrary<string> {
  const parts = url.split(/(:[A-Za-z0-9_]+|\*)/);
  return fc
    .tuple(...parts.map((part) => (part === '*' || part.startsWith(':') ? nastyString.map(encodeURIComponent) : fc.constant(part))))
    .map((filled) => filled.join(''));
}

// ---- what must hold ---------------------------------------------------------------------------------

/** Signs of a leak: stack frames, file paths, framework or driver internals, SQL errors. */
const INTERNALS =
  /\bat (?:async )?[\w.<>]+ \(|\bat file:|node_modules|\/work\/|\.ts:\d+|FST_[A-Z_]+|ECONN[A-Z]+|SQLSTATE|syntax error at|relation "|duplicate key|violates|TypeError|ReferenceError|RangeError|"stack"|\bpg_/;

/** A response body for a failure message: a page without its head. */
const shown = (body: string) => body.replace(/^[\s\S]*<body[^>]*>/, '').slice(0, 400);

/** Every string anywhere in a request: if it was accepted, any of these may legitimately have been stored. */
function stringsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') {
    into.push(value);
    if (value.includes('=')) for (const [key, item] of new URLSearchParams(value)) into.push(key, item);
  } else if (Array.isArray(value)) value.forEach((item) => stringsIn(item, into));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) stringsIn([key, item], into);
  return into;
}

test('10,000 generated requests at every route: no 5xx, no internals in any answer, nothing stored that should not be', async () => {
  assert.ok(routes.length >= 5, `routes collected: ${routes.map((route) => `${route.method} ${route.url}`).join(', ')}`);
  const hits = new Map<string, number>();
  const statuses = new Map<number, number>();
  /** Normalised addresses found in requests the app accepted (2xx) on POST /subscribe. */
  const acceptable = new Set<string>();
  let acceptedSubscribes = 0;

  const request = fc
    .constantFrom(...routes)
    .chain((route) => fc.record({ route: fc.constant(route), path: fillPath(route.url), query, headers, body, coherent: fc.boolean() }));

  await fc.assert(
    fc.asyncProperty(request, async ({ route, path, query: search, headers: generated, body: sent, coherent }) => {
      const { extra, ...named } = generated;
      // Half the time the content type matches the body, so requests get past the parser.
      if (coherent && sent.kind === 'json') named['content-type'] = 'application/json';
      if (coherent && sent.kind === 'form') named['content-type'] = 'application/x-www-form-urlencoded';
      const options: InjectOptions = {
        method: route.method as InjectOptions['method'],
        url: search ? `${path}?${search}` : path,
        headers: { ...extra, ...named },
      };
      if (sent.payload !== undefined && !['GET', 'HEAD'].includes(route.method)) options.payload = sent.payload;
      const response = await app.inject(options);

      const key = `${route.method} ${route.url}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      assert.ok(response.statusCode < 500, `${key} answered ${response.statusCode}: ${shown(response.body)}`);
      const leak = INTERNALS.exec(response.body);
      assert.equal(leak, null, `${key} (${response.statusCode}) reveals internals "${leak?.[0]}": ${shown(response.body)}`);

      if (route.method === 'POST' && route.url === '/subscribe' && response.statusCode < 300) {
        acceptedSubscribes += 1;
        for (const candidate of stringsIn([sent.value, sent.payload, search])) {
          const checked = normaliseAddress(candidate);
          if (checked.ok) acceptable.add(checked.email.toLowerCase());
        }
      }
    }),
    { numRuns: TOTAL_RUNS, endOnFailure: true, includeErrorInReport: true },
  );

  const total = [...hits.values()].reduce((sum, count) => sum + count, 0);
  assert.ok(total >= TOTAL_RUNS, `${total} requests sent`);
  for (const route of routes) assert.ok((hits.get(`${route.method} ${route.url}`) ?? 0) > 0, `${route.method} ${route.url} was fuzzed`);

  const { rows } = await context.database.pool.query<{ email: string; email_input: string }>('SELECT email, email_input FROM subscribers');
  for (const row of rows) {
    const checked = normaliseAddress(row.email_input);
    assert.ok(checked.ok, `stored input ${JSON.stringify(row.email_input)} is a valid address`);
    assert.equal(checked.email, row.email, 'stored address is the normalised input');
    assert.ok(acceptable.has(row.email.toLowerCase()), `${JSON.stringify(row.email)} came from a request that was accepted`);
  }
  assert.ok(rows.length <= acceptedSubscribes, `${rows.length} rows from ${acceptedSubscribes} accepted subscribe requests`);
  if (routes.some((route) => route.method === 'POST' && route.url === '/subscribe')) {
    assert.ok(rows.length > 0, 'some generated requests were valid subscriptions (the check above is not vacuous)');
  }
  console.log(
    `fuzz: ${total} requests over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${rows.length} stored`,
  );
});
