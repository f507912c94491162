import { createTestContext } from './tests/support/services.ts';
import { startApp, subscribeByForm, SUBSCRIPTION_TEST_ENV } from './tests/support/subscriptions.ts';
const context = await createTestContext('dbg', { ...SUBSCRIPTION_TEST_ENV, LOG_LEVEL: 'warn' });
const running = await startApp(context);
const longDomain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.org`;
for (const e of ['yuki@例え.テスト', `1234567@${longDomain}`, "!#$%&'*+/=?^_`{|}~-@example.org", `${'l'.repeat(64)}@example.org`]) {
  const r = await subscribeByForm(running.app, { email: e });
  console.log(r.statusCode);
}
await new Promise((r) => setTimeout(r, 3000));
console.log(context.smtp.messages.map((m) => m.envelopeTo));
console.log(await context.services.queues.confirmations.getJobCounts());
const failed = await context.services.queues.confirmations.getDelayed();
console.log(failed.map((j) => [j.failedReason, j.stacktrace]));
console.log('closing'); await running.close(); console.log('app closed'); await context.close(); console.log('ctx closed');
