// Prototype (not shipped): one subscribe statement per request vs micro-batched (one statement per tick).
import Fastify from 'fastify';
import pg from 'pg';
import { createPool } from '../src/db/pool.ts';
import { loadQueries } from '../src/db/queries.ts';

const SQL = loadQueries('subscribers.sql', ['request-subscription']);
const BATCH_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(email_input, email, source_ip_hash)
),
inserted AS (
  INSERT INTO subscribers (email_input, email, source_ip_hash, confirmation_sent_at)
  SELECT i.email_input, i.email, i.source_ip_hash, now() FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(i.email))
  ON CONFLICT (lower(email)) DO NOTHING
  RETURNING id, email
),
events AS (
  INSERT INTO subscriber_events (subscriber_id, status, reason) SELECT id, 'pending', $4 FROM inserted
)
SELECT id, email FROM inserted`;

const pool = createPool(process.argv[3]!, 10);
type Waiter = { input: string; email: string; resolve: () => void; reject: (e: unknown) => void };
let queue: Waiter[] = [];
let inflight = 0;
function flush() {
  if (queue.length === 0 || inflight >= 4) return;
  const batch = queue.splice(0, 200);
  inflight++;
  pool
    .query(BATCH_SQL, [batch.map((w) => w.input), batch.map((w) => w.email), batch.map(() => 'h'), 'subscribe api'])
    .then(() => batch.forEach((w) => w.resolve()), (e) => batch.forEach((w) => w.reject(e)))
    .finally(() => { inflight--; flush(); });
}
function enqueue(input: string, email: string) {
  return new Promise<void>((resolve, reject) => {
    queue.push({ input, email, resolve, reject });
    if (queue.length === 1) setImmediate(flush);
    else if (queue.length >= 200) flush();
  });
}

const app = Fastify({ logger: false });
app.post('/single', async (request, reply) => {
  const { email } = request.body as { email: string };
  await pool.query(SQL['request-subscription']!, [email, email, 'h', 10, 'subscribe api']);
  return reply.code(202).send({ status: 'pending' });
});
app.post('/batch', async (request, reply) => {
  const { email } = request.body as { email: string };
  await enqueue(email, email);
  return reply.code(202).send({ status: 'pending' });
});
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
console.log('listening');
void pg;
