// The operator console's session: @fastify/session with its records in Redis (so every API process sees the same
// sessions, and a session ends when its key expires), a signed HttpOnly SameSite=Strict cookie scoped to /admin,
// Secure when PUBLIC_URL is https, and @fastify/csrf-protection keeping its secret in the session.
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import session from '@fastify/session';
import type { FastifyInstance, Session } from 'fastify';
import type { Redis } from 'ioredis';

declare module 'fastify' {
  interface Session {
    /** Set once the password (or ADMIN_TOKEN) was given on the login page. */
    admin?: boolean;
  }
}

export const ADMIN_COOKIE = 'paperboy_admin';

type Callback = (error?: unknown) => void;

/** The session store @fastify/session asks for, in Redis: one key per session, expiring with it. */
export function redisSessionStore(redis: Redis, prefix: string, ttlMs: number) {
  const key = (id: string) => `${prefix}${id}`;
  return {
    set(id: string, value: Session, callback: Callback) {
      redis.set(key(id), JSON.stringify(value), 'PX', ttlMs).then(() => callback(), callback);
    },
    get(id: string, callback: (error: unknown, value?: Session | null) => void) {
      redis.get(key(id)).then((text) => callback(null, text === null ? null : (JSON.parse(text) as Session)), callback);
    },
    destroy(id: string, callback: Callback) {
      redis.del(key(id)).then(() => callback(), callback);
    },
  };
}

export interface AdminSessionOptions {
  redis: Redis;
  prefix: string;
  /** Signs the cookie (from SECRET_KEY, src/security/keys.ts). */
  secret: Buffer;
  secure: boolean;
  minutes: number;
}

export async function registerAdminSession(app: FastifyInstance, options: AdminSessionOptions): Promise<void> {
  const ttlMs = options.minutes * 60_000;
  await app.register(cookie);
  await app.register(session, {
    secret: options.secret.toString('hex'),
    cookieName: ADMIN_COOKIE,
    store: redisSessionStore(options.redis, `${options.prefix}:admin-session:`, ttlMs),
    saveUninitialized: false,
    // Each request moves the end ADMIN_SESSION_MINUTES on: it ends that long after the operator's last click.
    rolling: true,
    cookie: { path: '/admin', httpOnly: true, sameSite: 'strict', secure: options.secure, maxAge: ttlMs },
  });
  await app.register(csrf, {
    sessionPlugin: '@fastify/session',
    getToken: (request) => (request.body as { _csrf?: string } | undefined)?._csrf,
  });
}
