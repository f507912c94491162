// The operator console from a test: log in through the real login form (session cookie + CSRF token), then
// request pages and post forms as the browser would.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export const ADMIN_PASSWORD = 'correct horse battery staple';

/** The CSRF token of the first form on a page. */
export function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}

/** `name=value` of the console's session cookie set by a response, if any. */
export function sessionCookieOf(response: LightMyRequestResponse): string | undefined {
  const headers = response.headers['set-cookie'];
  const cookies = Array.isArray(headers) ? headers : headers ? [headers] : [];
  const cookie = cookies.find((line) => line.startsWith('paperboy_admin='));
  return cookie?.split(';')[0];
}

export function setCookieHeader(response: LightMyRequestResponse): string {
  const headers = response.headers['set-cookie'];
  return (Array.isArray(headers) ? headers : [headers ?? '']).find((line) => line.startsWith('paperboy_admin=')) ?? '';
}

export interface AdminSession {
  cookie: string;
  /** A fresh CSRF token from GET `url` (default: the dashboard). */
  csrf(url?: string): Promise<string>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, fields?: Record<string, string>): Promise<LightMyRequestResponse>;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export async function openLoginPage(app: FastifyInstance, remoteAddress?: string) {
  const page = await app.inject({ method: 'GET', url: '/admin/login', remoteAddress });
  return { cookie: sessionCookieOf(page)!, csrf: csrfOf(page.body), page };
}

export function postLogin(app: FastifyInstance, login: { cookie: string; csrf: string }, password: string, remoteAddress?: string) {
  return app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...FORM, cookie: login.cookie },
    payload: new URLSearchParams({ _csrf: login.csrf, password }).toString(),
    remoteAddress,
  });
}

export async function logIn(app: FastifyInstance, password = ADMIN_PASSWORD, remoteAddress?: string): Promise<AdminSession> {
  const login = await openLoginPage(app, remoteAddress);
  const answer = await postLogin(app, login, password, remoteAddress);
  if (answer.statusCode !== 303) throw new Error(`login failed: ${answer.statusCode} ${answer.body.slice(0, 200)}`);
  return sessionFor(app, sessionCookieOf(answer)!);
}

export function sessionFor(app: FastifyInstance, cookie: string): AdminSession {
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie } });
  return {
    cookie,
    get,
    async csrf(url = '/admin') {
      return csrfOf((await get(url)).body);
    },
    post: (url, fields = {}) =>
      app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: new URLSearchParams(fields).toString() }),
  };
}
