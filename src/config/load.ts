import { config as readDotenv } from 'dotenv';
import { parseEnv, type Env } from './env.ts';

/** Reads `.env` (never overriding the real environment), then validates once. */
export function loadEnv(): Env {
  readDotenv({ quiet: true });
  return parseEnv(process.env);
}
