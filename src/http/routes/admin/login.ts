// The console's door: the login page (rate-limited), logout, and the guard every other /admin route sits behind.
// A browser holds a session (src/http/admin-session.ts) and sends a CSRF token with every form; a script may
// instead send `Authorization: Bearer <ADMIN_TOKEN>`, which no browser sends by itself, so it needs no token.
import { secretsEqual } from '../../../security/secrets.ts';
import argon2 from 'argon2';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Env } from '../../../config/env.ts';
import { HttpError } from '../../errors.ts';
import { loginPage } from '../../pages/admin/login.ts';

/** Logins per client address per minute: the 11th in a minute is refused (429) before the password is looked at. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;

function matchesToken(env: Env, candidate: string): boolean {
  return env.ADMIN_TOKEN !== undefined && secretsEqual(candidate, env.ADMIN_TOKEN);
}

export async function passwordMatches(env: Env, password: string): Promise<boolean> {
  if (password === '') return false;
  if (matchesToken(env, password)) return true;
  if (!env.ADMIN_PASSWORD_HASH) return false;
  return argon2.verify(env.ADMIN_PASSWORD_HASH, password).catch(() => false);
}

export function bearerIsAdminToken(env: Env, request: FastifyRequest): boolean {
  const header = request.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') && matchesToken(env, header.slice(7).trim());
}

/** Routes outside the guard: the login form itself. */
const OPEN_ROUTES = new Set(['/admin/login']);
/** bull-board's own API posts JSON without our token; SameSite=Strict keeps other sites' requests cookie-less. */
const CSRF_EXEMPT = /^\/admin\/queues\/api\//;
const QUEUES_PREFIX = '/admin/queues';
const NOT_LOGGED_IN = 'Log in to the console first.';

type LoginRequest = FastifyRequest<{ Body: { password?: string; _csrf?: string } | undefined }>;

/** The guard: on the console's own plugin context, so it covers every route registered in it. */
export function installAdminGuard(app: FastifyInstance, env: Env): void {
  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url ?? request.url;
    reply.header('cache-control', 'no-store');
    if (bearerIsAdminToken(env, request) || request.session.admin === true || OPEN_ROUTES.has(url)) return;
    if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect('/admin/login', 302);
    // bull-board's routes have its own error handler (which would answer 500): answer them here.
    if (url.startsWith(QUEUES_PREFIX)) return reply.code(401).send({ error: 'unauthorized', message: NOT_LOGGED_IN });
    throw new HttpError(401, 'unauthorized', NOT_LOGGED_IN);
  });
  // Every state-changing request from a browser carries the session's CSRF token (403 without it).
  app.addHook('preHandler', (request, reply, done) => {
    const safe = request.method === 'GET' || request.method === 'HEAD';
    if (safe || bearerIsAdminToken(env, request) || CSRF_EXEMPT.test(request.url)) return done();
    app.csrfProtection(request, reply, done);
  });
}

export async function adminLoginRoutes(app: FastifyInstance, { env }: { env: Env }) {
  app.get('/admin/login', async (request, reply) => {
    if (request.session.admin === true) return reply.redirect('/admin', 303);
    return reply.type('text/html; charset=utf-8').send(loginPage(reply.generateCsrf()));
  });

  app.post(
    '/admin/login',
    { config: { rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 } } },
    async (request: LoginRequest, reply) => {
      const password = typeof request.body?.password === 'string' ? request.body.password : '';
      if (!(await passwordMatches(env, password))) {
        request.log.warn({ event: 'admin login refused' }, 'admin login refused');
        return reply.code(401).type('text/html; charset=utf-8').send(loginPage(reply.generateCsrf(), 'That password is not right.'));
      }
      // A new session id on login: one planted before it (session fixation) is worth nothing after.
      await request.session.regenerate();
      request.session.admin = true;
      request.log.info({ event: 'admin login' }, 'admin login');
      return reply.redirect('/admin', 303);
    },
  );

  app.post('/admin/logout', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/admin/login', 303);
  });
}
