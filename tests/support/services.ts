// Everything a test file needs, real and isolated: its own database, BullMQ prefix and SMTP server.
import { parseEnv, type Env } from '../../src/config/env.ts';
import { createLogger } from '../../src/logger.ts';
import { openServices, type Services } from '../../src/runtime/services.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { testQueuePrefix } from './names.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp.ts';

export interface TestContext {
  env: Env;
  services: Services;
  database: TestDatabase;
  smtp: TestSmtpServer;
  /** Removes every BullMQ key under this file's prefix. */
  clearQueues(): Promise<void>;
  close(): Promise<void>;
}

export const TEST_SECRET = 'test-secret-key-that-is-long-enough-0123456789';

/** Builds the env a test file runs with: real local services, a unique queue prefix, the test SMTP server. */
export function testEnv(overrides: Record<string, string | undefined>): Env {
  return parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    SECRET_KEY: TEST_SECRET,
    PUBLIC_URL: 'http://paperboy.test',
    MAIL_FROM: 'Paperboy <digest@paperboy.test>',
    // The test process's own event loop (fast-check, parsing, other suites on 2 cores) is not the API's load:
    // no shedding unless a test asks for it (tests/load-shedding.test.ts).
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...overrides,
  });
}

export async function createTestContext(label: string, overrides: Record<string, string | undefined> = {}): Promise<TestContext> {
  const [database, smtp] = await Promise.all([createTestDatabase(label), startSmtpServer()]);
  const prefix = testQueuePrefix(label);
  const env = testEnv({ DATABASE_URL: database.url, QUEUE_PREFIX: prefix, SMTP_URL: smtp.url, ...overrides });
  const services = await openServices(env, { logger: createLogger(env.LOG_LEVEL) });
  const clearQueues = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await services.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await services.redis.del(...keys);
    } while (cursor !== '0');
  };
  return {
    env,
    services,
    database,
    smtp,
    clearQueues,
    async close() {
      await clearQueues().catch(() => {});
      await services.close();
      await smtp.close();
      await database.drop();
    },
  };
}
