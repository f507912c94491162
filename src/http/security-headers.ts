// Helmet's security headers on every answer. Nothing in them varies per request (no CSP nonces), so helmet
// computes the set once at boot and a hook copies it onto each reply. @fastify/helmet instead builds helmet's
// middleware chain (twelve middlewares, the CSP string) again for every request: about a tenth of the API's
// CPU under load. tests/security-headers.test.ts checks both give exactly the same headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/** Helmet's options for a service served over https: its full set, HSTS and upgrade-insecure-requests included. */
const CSP_DIRECTIVES = { 'form-action': ["'self'"], 'img-src': ["'self'", 'data:'], 'script-src': ["'self'"] };

export const SECURITY_HEADER_OPTIONS: HelmetOptions = { contentSecurityPolicy: { directives: CSP_DIRECTIVES } };

/**
 * The options for where the service is served (PUBLIC_URL). Over plain http (a LAN address, a VPS before TLS,
 * Docker on a server) upgrade-insecure-requests would send every form to https://, where nothing listens, and
 * HSTS is meaningless (browsers ignore it over http): both only when PUBLIC_URL is https.
 */
export function securityHeaderOptions(publicUrl: string): HelmetOptions {
  if (new URL(publicUrl).protocol === 'https:') return SECURITY_HEADER_OPTIONS;
  return {
    contentSecurityPolicy: {
      directives: { ...CSP_DIRECTIVES, 'upgrade-insecure-requests': null },
    },
    strictTransportSecurity: false,
  };
}

/** The headers helmet sets with these options, lower-cased names. */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  // Helmet's middlewares only set (and, for X-Powered-By, remove) headers; they read nothing from the request.
  const response = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

/** Sets the security headers on every reply, before any hook or handler can answer (as @fastify/helmet does). */
export const securityHeadersPlugin: FastifyPluginAsync<HelmetOptions> = fp(
  async (app, options) => {
    const headers = securityHeaders(options);
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'security-headers' },
);
