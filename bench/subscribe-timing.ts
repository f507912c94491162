// Does POST /subscribe answer in the same time whatever the address's state? (Timing must not tell who is
// subscribed.) Interleaves requests for new, pending, confirmed, unsubscribed and suppressed addresses against
// the real app (in-process inject, real Postgres and Redis) and prints each state's median and p90 and its
// ratio to a new address measured in the same run. Run: npm run bench:subscribe-timing
import { buildApp } from '../src/http/app.ts';
import { createTestContext } from '../tests/support/services.ts';

const N = Number(process.argv[2] ?? 300);
const context = await createTestContext('bench_subscribe_timing', {
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
  SUBSCRIBE_RATE_LIMIT: '1000000',
});
const app = await buildApp(context.services);
const { pool } = context.services;
try {
  await pool.query(
    `INSERT INTO subscribers (email_input, email, status, confirmed_at, unsubscribed_at, suppressed_at, confirmation_sent_at)
     SELECT s || g || '@example.org', s || g || '@example.org', s::subscriber_status,
            CASE WHEN s IN ('confirmed', 'unsubscribed') THEN now() END,
            CASE WHEN s = 'unsubscribed' THEN now() END,
            CASE WHEN s = 'suppressed' THEN now() END,
            now()
       FROM generate_series(1, $1) g, unnest(ARRAY['pending', 'confirmed', 'unsubscribed', 'suppressed']) s`,
    [N + 50],
  );
  await pool.query(`INSERT INTO suppressions (email, reason) SELECT email, 'complaint' FROM subscribers WHERE status = 'suppressed'`);
  const states = ['new', 'pending', 'confirmed', 'unsubscribed', 'suppressed'] as const;
  const time = async (email: string) => {
    const started = process.hrtime.bigint();
    const response = await app.inject({
      method: 'POST',
      url: '/subscribe',
      headers: { 'content-type': 'application/json' },
      payload: { email },
    });
    if (response.statusCode !== 202) throw new Error(`unexpected ${response.statusCode}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  // Unsubscribed addresses become pending on their first request: each address is asked once.
  for (let i = N + 1; i <= N + 50; i++) for (const state of states) await time(`${state}${i}@example.org`);
  const samples = Object.fromEntries(states.map((state) => [state, [] as number[]]));
  // Shuffled each round: a new address queues its confirmation just after its answer, and that work must
  // not always land on the same neighbour.
  for (let i = 1; i <= N; i++) {
    const order = [...states].sort(() => Math.random() - 0.5);
    for (const state of order) samples[state]!.push(await time(`${state}${i}@example.org`));
  }
  const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)]!;
  const baseline = quantile(samples.new!, 0.5);
  for (const state of states) {
    const median = quantile(samples[state]!, 0.5);
    console.log(
      `${state.padEnd(12)} median ${median.toFixed(3)} ms  p90 ${quantile(samples[state]!, 0.9).toFixed(3)} ms  ratio to new ${(median / baseline).toFixed(2)}`,
    );
  }
} finally {
  await app.close();
  await context.close();
}
