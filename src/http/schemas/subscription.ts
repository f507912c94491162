// OpenAPI schemas of the subscription routes: Fastify validates requests with them and @fastify/swagger
// publishes them at /docs. Validation messages are rewritten for people (schemaErrorFormatter).
import type { FastifySchema } from 'fastify';
import type { SchemaErrorFormatter } from 'fastify/types/schema.js';
import { HttpError } from '../errors.ts';
import { HONEYPOT_FIELD } from '../pages/subscription.ts';

const TAGS = ['subscription'];
const TOKEN = { type: 'string', maxLength: 512, description: 'The signed token from the link in the email.' } as const;

const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string', description: 'A sentence a person understands.' } },
  required: ['error', 'message'],
} as const;
const statusBody = (values: string[]) =>
  ({ type: 'object', properties: { status: { type: 'string', enum: values } }, required: ['status'] }) as const;
const page = { type: 'string', description: 'An HTML page (for people: requests that do not ask for JSON).' } as const;

/** The same status answers either JSON (programs) or a page (people). */
function answers(map: Record<number, object>) {
  return Object.fromEntries(
    Object.entries(map).map(([status, schema]) => [
      status,
      { description: '', content: { 'application/json': { schema }, 'text/html': { schema: page } } },
    ]),
  );
}

const tokenErrors = {
  400: errorBody,
  404: errorBody,
};

const tokenQuery = { type: 'object', properties: { token: TOKEN } } as const;
const tokenBody = {
  type: 'object',
  properties: {
    token: TOKEN,
    'List-Unsubscribe': { type: 'string', maxLength: 64, description: 'RFC 8058 one-click: "One-Click".' },
  },
} as const;

/** Turns schema failures into the sentence a person sees. */
export const humanValidationError: SchemaErrorFormatter = (errors, dataVar) => {
  const field = errors[0]?.instancePath.replace(/^\//, '') ?? '';
  if (field === 'token' || dataVar === 'querystring') {
    return new HttpError(400, 'invalid_token', 'This link is not valid. Open it again from the email, or copy the whole link.');
  }
  return new HttpError(400, 'invalid_request', 'The form could not be read. Please go back and try again.');
};

const withTokenSchema = (summary: string, description: string, ok: object, extra: Record<number, object> = {}) =>
  ({
    tags: TAGS,
    summary,
    description,
    querystring: tokenQuery,
    body: tokenBody,
    response: answers({ 200: ok, ...tokenErrors, ...extra }),
  }) satisfies FastifySchema;

export const subscriptionSchemas = {
  home: {
    tags: TAGS,
    summary: 'The subscribe page',
    response: { 200: { description: 'HTML', content: { 'text/html': { schema: page } } } },
  },
  subscribe: {
    tags: TAGS,
    summary: 'Subscribe an address (double opt-in)',
    description:
      'Always answers 202 {"status":"pending"} for a valid address, whether it is new, pending, confirmed, unsubscribed or suppressed, ' +
      'so nobody can learn who is subscribed. A confirmation email goes out at most once per CONFIRM_RESEND_MINUTES per address. ' +
      'Rate limited per client IP (429). Forms get a page instead of JSON.',
    body: {
      type: 'object',
      properties: {
        email: { type: 'string', maxLength: 512, description: 'The address; trimmed, domain lower-cased, IDN stored as punycode.' },
        [HONEYPOT_FIELD]: { type: 'string', maxLength: 512, description: 'Honeypot: leave empty.' },
      },
      required: ['email'],
    },
    response: answers({ 202: statusBody(['pending']), 400: errorBody, 429: errorBody }),
  },
  confirmPage: {
    tags: TAGS,
    summary: 'Show the confirm button (changes nothing)',
    querystring: tokenQuery,
    response: answers({ 200: statusBody(['pending', 'confirmed']), ...tokenErrors, 409: errorBody, 410: errorBody }),
  },
  confirm: withTokenSchema(
    'Confirm a subscription',
    'Token in the body or the query. Pending becomes confirmed.',
    statusBody(['confirmed']),
    {
      409: errorBody,
      410: errorBody,
    },
  ),
  unsubscribePage: {
    tags: TAGS,
    summary: 'Show the unsubscribe button (changes nothing)',
    querystring: tokenQuery,
    response: answers({ 200: statusBody(['pending', 'confirmed', 'unsubscribed']), ...tokenErrors }),
  },
  unsubscribe: withTokenSchema(
    'Unsubscribe (also RFC 8058 one-click)',
    'POST /unsubscribe?token=… with body List-Unsubscribe=One-Click (form or multipart) unsubscribes in one request and answers 200.',
    statusBody(['unsubscribed']),
  ),
  resubscribePage: {
    tags: TAGS,
    summary: 'Show the resubscribe button (changes nothing)',
    querystring: tokenQuery,
    response: answers({ 200: statusBody(['unsubscribed', 'confirmed']), ...tokenErrors, 409: errorBody }),
  },
  resubscribe: withTokenSchema(
    'Undo an unsubscribe',
    'With the unsubscribe token, within RESUBSCRIBE_WINDOW_DAYS, for a reader who had confirmed before.',
    statusBody(['confirmed']),
    { 409: errorBody },
  ),
} satisfies Record<string, FastifySchema>;
