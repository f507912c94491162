// The deployment-wide ceiling on confirmation emails per clock hour (CONFIRM_GLOBAL_PER_HOUR), counted in Redis
// so every worker process draws on one budget. Whatever one client does (+tag variants, many addresses, a whole
// IPv6 /64), the service mails no more than this in an hour; the rest wait for the next hour, still stored.
import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    takeConfirmationBudget(key: string, wanted: number, cap: number, ttlMs: number): Result<number, Context>;
  }
}

// Grants what is left of the hour's budget, up to `wanted`, and counts it as spent.
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[1]), math.max(0, tonumber(ARGV[2]) - used))
if grant > 0 then
  redis.call('INCRBY', KEYS[1], grant)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return grant
`;

const HOUR_MS = 3600_000;

export interface ConfirmationBudget {
  /** How many of `wanted` emails may go now, and when the next hour's budget opens. */
  take(wanted: number, now?: number): Promise<{ granted: number; nextWindowAt: number }>;
}

export function confirmationBudget(redis: Redis, prefix: string, perHour: number): ConfirmationBudget {
  redis.defineCommand('takeConfirmationBudget', { numberOfKeys: 1, lua: TAKE });
  return {
    async take(wanted, now = Date.now()) {
      const hour = Math.floor(now / HOUR_MS);
      const nextWindowAt = (hour + 1) * HOUR_MS;
      if (perHour === 0 || wanted === 0) return { granted: wanted, nextWindowAt };
      const granted = await redis.takeConfirmationBudget(`${prefix}:confirm-budget:${hour}`, wanted, perHour, 2 * HOUR_MS);
      return { granted, nextWindowAt };
    },
  };
}
