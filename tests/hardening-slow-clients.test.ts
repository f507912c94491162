// Slow clients cannot hold the API's connections: a request must arrive whole within HTTP_REQUEST_TIMEOUT_MS (a body
// sent a byte at a time is cut with 408), and past HTTP_MAX_CONNECTIONS new connections are closed at once.
import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app.ts';
import { createTestContext, type TestContext } from './support/services.ts';
import { SUBSCRIPTION_TEST_ENV } from './support/subscriptions.ts';

let context: TestContext;
before(async () => {
  context = await createTestContext('hardening_slow_clients', { ...SUBSCRIPTION_TEST_ENV });
});
after(() => context?.close());

async function listening(env: Partial<TestContext['env']>): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp({ ...context.services, env: { ...context.env, ...env } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as AddressInfo).port };
}

interface Watched {
  socket: Socket;
  received: () => string;
  closed: Promise<number>;
}

/** A raw connection, with what the server sent and when (ms after connecting) it closed the connection. */
async function open(port: number): Promise<Watched> {
  const socket = connect({ host: '127.0.0.1', port });
  const started = Date.now();
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString('latin1')));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', () => resolve());
  });
  return { socket, received: () => data, closed };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

test('a request body sent a byte at a time is cut with 408 once HTTP_REQUEST_TIMEOUT_MS has passed', async () => {
  const { app, port } = await listening({ HTTP_REQUEST_TIMEOUT_MS: 1500 });
  const client = await open(port);
  let sent = 0;
  // One byte every 100 ms of a 200-byte body: 20 s if the server waited for all of it. Bounded: stops by itself.
  const trickle = setInterval(() => {
    if (client.socket.destroyed || sent >= 200) return clearInterval(trickle);
    client.socket.write('a');
    sent += 1;
  }, 100);
  try {
    client.socket.write('POST /subscribe HTTP/1.1\r\nHost: paperboy.test\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n');
    const closedAfter = await within(client.closed, 8_000, 'the slow request is cut');
    assert.ok(closedAfter >= 1_400, `not before the timeout (${closedAfter} ms)`);
    assert.match(client.received(), /^HTTP\/1\.1 408/, 'the client is told why');
    assert.ok(sent < 100, `cut after ${sent} of 200 bytes`);
  } finally {
    clearInterval(trickle);
    client.socket.destroy();
    await app.close();
  }
});

test('past HTTP_MAX_CONNECTIONS a new connection is closed at once, and served again once others have left', async () => {
  const { app, port } = await listening({ HTTP_MAX_CONNECTIONS: 3 });
  const held: Watched[] = [];
  try {
    for (let i = 0; i < 3; i++) held.push(await open(port));
    const extra = await open(port);
    await within(extra.closed, 3_000, 'the connection past the cap is closed');
    assert.equal(extra.received(), '', 'without an answer');

    for (const client of held) client.socket.destroy();
    await Promise.all(held.map((client) => client.closed));
    const response = await within(fetch(`http://127.0.0.1:${port}/healthz`), 5_000, 'a request after the others left');
    assert.equal(response.status, 200);
  } finally {
    for (const client of held) client.socket.destroy();
    await app.close();
  }
});
