// What is trending: the query lives in src/db/trending.ts (src/db/sql/trending.sql); this module gives it its
// parameters from the configuration and states the formula for documentation and tests.
import type { Env } from '../config/env.ts';
import type { TrendingOptions } from '../db/trending.ts';

export function trendingOptionsFrom(env: Env, asOf: Date, limit: number = env.DIGEST_SIZE): TrendingOptions {
  return {
    asOf,
    limit,
    windowHours: env.TRENDING_WINDOW_HOURS,
    gravity: env.TRENDING_GRAVITY,
    velocityWeight: env.TRENDING_VELOCITY_WEIGHT,
    // Production never mails the demo capture, whatever was loaded by mistake.
    includeDemo: env.NODE_ENV !== 'production',
  };
}

/**
 * The score the SQL computes, for documentation and tests:
 * (upvotes + velocityWeight × upvotes gained in 24 h) / (age in hours + 2) ^ gravity.
 */
export function trendingScore(
  paper: { upvotes: number; upvotesLast24h: number; ageHours: number },
  options: Pick<TrendingOptions, 'gravity' | 'velocityWeight'>,
): number {
  return (paper.upvotes + options.velocityWeight * paper.upvotesLast24h) / Math.pow(paper.ageHours + 2, options.gravity);
}
