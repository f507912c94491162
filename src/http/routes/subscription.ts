// Subscribe, confirm, unsubscribe, resubscribe: for people (pages, plain form POSTs) and programs (JSON on
// the same routes). GETs only show a page with one button: mail scanners fetch links and must change nothing.
// Every POST that changes state carries its signed token, so no cookies and no CSRF tokens are needed.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  confirmSubscriber,
  findSubscriber,
  resubscribeSubscriber,
  subscriberIdOf,
  unsubscribeSubscriber,
  type Subscriber,
} from '../../db/subscribers.ts';
import { cachedIpHasher, erasedAddressKey, tokenKeys, type Keys } from '../../security/keys.ts';
import { verifyTokenWithAnyKey, type TokenClaims, type TokenPurpose } from '../../security/tokens.ts';
import { MESSAGES, normaliseAddress } from '../../subscriptions/address.ts';
import { describeTtl } from '../../subscriptions/confirmation-queue.ts';
import { describeDigestTime, nextDigestAt } from '../../subscriptions/first-digest.ts';
import { createSubscriptionBatcher } from '../../subscriptions/subscription-batcher.ts';
import type { HttpDeps } from '../deps.ts';
import { cachedSubscribePage } from '../edition-sample.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import * as pages from '../pages/subscription.ts';
import { answer, wantsJson } from '../reply.ts';
import { humanValidationError, subscriptionSchemas as schemas } from '../schemas/subscription.ts';

export type TokenRequest = FastifyRequest<{
  Querystring: { token?: string };
  Body: { token?: string; 'List-Unsubscribe'?: string } | undefined;
}>;
type SubscribeRequest = FastifyRequest<{ Body: { email?: unknown; website?: unknown } | undefined }>;

export const TOKEN_MESSAGES = {
  invalid: 'This link is not valid. It may have been cut short or changed: open it again from the email, or copy the whole link.',
  expired: 'This confirmation link has expired. Subscribe again on the home page and we will send you a fresh one.',
  unknown: 'We could not find this subscription. It may have been removed.',
} as const;

/** Reads and checks the signed token of a link: 400 if missing, forged, truncated or for another purpose. */
export function claimsOf(keys: Keys, request: TokenRequest, purpose: TokenPurpose, now = Date.now()): TokenClaims {
  const token = request.body?.token ?? request.query.token;
  const check = verifyTokenWithAnyKey(tokenKeys(keys), token, purpose, now);
  if (check.ok) return check.claims;
  if (check.reason === 'expired') throw new HttpError(410, 'expired_token', TOKEN_MESSAGES.expired);
  throw badRequest(TOKEN_MESSAGES.invalid, 'invalid_token');
}

function wellFormed(request: SubscribeRequest): boolean {
  return !request.validationError && normaliseAddress(request.body?.email).ok;
}

/** Pages reached with a token in their address or form: never kept by the browser or a proxy (the back button). */
const TOKEN_ROUTES = new Set(['/confirm', '/unsubscribe', '/resubscribe']);

function tokenOf(request: TokenRequest): string {
  return (request.body?.token ?? request.query.token)!;
}

export async function subscriptionRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { env, pool, keys } = services;
  const firstDigest = () => describeDigestTime(nextDigestAt(env.DIGEST_CRON, env.DIGEST_TZ, new Date()), env.DIGEST_TZ);
  // Rendered once: the answer to every subscribe request is these exact bytes.
  const checkInbox = pages.checkInboxPage({
    ttlDescription: describeTtl(env.CONFIRM_TOKEN_TTL_HOURS),
    resendMinutes: env.CONFIRM_RESEND_MINUTES,
  });
  const home = cachedSubscribePage(pool);
  const ipHash = cachedIpHasher(keys);
  // Subscribe requests are written in batches, one statement per event-loop tick (group commit).
  const subscriptions = createSubscriptionBatcher(services, { resendMinutes: env.CONFIRM_RESEND_MINUTES });
  app.addHook('onClose', () => subscriptions.flush());
  /** The row id of the reader a link's token names. */
  const tokenSubscriberId = async (claims: TokenClaims): Promise<number> => {
    const id = await subscriberIdOf(pool, claims.subscriber);
    if (id === undefined) throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
    return id;
  };
  const subscriber = async (id: number): Promise<Subscriber> => {
    const found = await findSubscriber(pool, id, env.RESUBSCRIBE_WINDOW_DAYS);
    if (!found) throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
    return found;
  };

  // Mail clients may send the RFC 8058 one-click POST as multipart: its text fields become the body, as a form's
  // would. Only short text fields, never files (a file part is refused).
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 10, fieldSize: 1024, files: 0, fileSize: 0, parts: 10, headerPairs: 20 },
  });

  app.addHook('onRequest', (request, reply, done) => {
    if (TOKEN_ROUTES.has(request.routeOptions.url ?? '')) reply.header('cache-control', 'no-store');
    done();
  });

  app.get('/', { schema: schemas.home }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(await home()));

  app.post(
    '/subscribe',
    {
      schema: schemas.subscribe,
      attachValidation: true,
      config: {
        rateLimit: {
          max: env.SUBSCRIBE_RATE_LIMIT,
          timeWindow: env.SUBSCRIBE_RATE_WINDOW_SECONDS * 1000,
          // Counted once the body is read, and only requests that could subscribe someone: ten typos do not lock
          // a person out (a refused address stores and sends nothing, so it needs no limit).
          hook: 'preHandler',
          allowList: (request) => !wellFormed(request as SubscribeRequest),
          // The form again, with what the person typed, rather than a page that loses it.
          errorResponseBuilder: (request, context) => {
            const message = `Too many attempts from your network. Please wait ${context.after} and try again.`;
            const email = (request as SubscribeRequest).body?.email;
            return new HttpError(429, 'rate_limited', message, () =>
              pages.subscribePage({ value: typeof email === 'string' ? email.slice(0, 320) : '', error: message }),
            );
          },
        },
      },
      // Before validation, which would quietly turn ["a@b.org"] into "a@b.org": one address, as text.
      preValidation: async (request: SubscribeRequest) => {
        const email = request.body?.email;
        if (email !== undefined && email !== null && typeof email !== 'string') throw badRequest(MESSAGES.notText, 'invalid_email');
      },
    },
    async (request: SubscribeRequest, reply) => {
      const accepted = () => answer(request, reply, 202, { status: 'pending' }, () => checkInbox);
      const body = request.body && typeof request.body === 'object' ? request.body : {};
      // A filled honeypot is a bot: same answer as everyone, nothing stored, nothing sent.
      const honeypot = body[pages.HONEYPOT_FIELD];
      if (typeof honeypot === 'string' && honeypot !== '') return accepted();
      const checked = normaliseAddress(body.email);
      const address = checked.ok && request.validationError ? { ok: false as const, message: FORM_UNREADABLE } : checked;
      if (!address.ok) {
        return answer(request, reply, 400, { error: 'invalid_email', message: address.message }, () =>
          pages.subscribePage({ value: typeof body.email === 'string' ? body.email.slice(0, 320) : '', error: address.message }),
        );
      }
      await subscriptions.request({
        input: address.input,
        email: address.email,
        sourceIpHash: ipHash(request.ip),
        reason: wantsJson(request) ? 'subscribe api' : 'subscribe form',
        erasedKey: erasedAddressKey(keys, address.email),
      });
      return accepted();
    },
  );

  app.get('/confirm', { schema: schemas.confirmPage, schemaErrorFormatter: humanValidationError }, async (request: TokenRequest, reply) => {
    const found = await subscriber(await tokenSubscriberId(claimsOf(keys, request, 'confirm')));
    if (found.status === 'pending' && !found.suppressed) {
      return answer(request, reply, 200, { status: 'pending' }, () => pages.confirmPromptPage(tokenOf(request), found.emailInput));
    }
    if (found.status === 'confirmed') {
      return answer(request, reply, 200, { status: 'confirmed' }, () =>
        pages.confirmedPage({ firstDigest: firstDigest(), alreadyConfirmed: true }),
      );
    }
    throw new HttpError(409, 'not_pending', NOT_PENDING);
  });

  app.post('/confirm', { schema: schemas.confirm, schemaErrorFormatter: humanValidationError }, async (request: TokenRequest, reply) => {
    const id = await tokenSubscriberId(claimsOf(keys, request, 'confirm'));
    const result = await confirmSubscriber(pool, id, wantsJson(request) ? 'confirm api' : 'confirm link');
    if (result.kind === 'unknown') throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
    if (result.changed || result.previous === 'confirmed') {
      return answer(request, reply, 200, { status: 'confirmed' }, () =>
        pages.confirmedPage({ firstDigest: firstDigest(), alreadyConfirmed: !result.changed }),
      );
    }
    throw new HttpError(409, 'not_pending', NOT_PENDING);
  });

  app.get(
    '/unsubscribe',
    { schema: schemas.unsubscribePage, schemaErrorFormatter: humanValidationError },
    async (request: TokenRequest, reply) => {
      const found = await subscriber(await tokenSubscriberId(claimsOf(keys, request, 'unsubscribe')));
      if (found.status === 'unsubscribed' || found.status === 'suppressed') return unsubscribed(request, reply, found);
      return answer(request, reply, 200, { status: found.status }, () => pages.unsubscribePromptPage(tokenOf(request), found.emailInput));
    },
  );

  app.post(
    '/unsubscribe',
    { schema: schemas.unsubscribe, schemaErrorFormatter: humanValidationError },
    async (request: TokenRequest, reply) => {
      const id = await tokenSubscriberId(claimsOf(keys, request, 'unsubscribe'));
      const oneClick = request.body?.['List-Unsubscribe'] === 'One-Click';
      const reason = oneClick ? 'one-click unsubscribe (RFC 8058)' : wantsJson(request) ? 'unsubscribe api' : 'unsubscribe link';
      const result = await unsubscribeSubscriber(pool, id, reason);
      if (result.kind === 'unknown') throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
      // RFC 8058: the mail client only needs a 2xx; there is nobody to show a page to.
      if (oneClick && !wantsJson(request)) return reply.code(200).type('text/plain; charset=utf-8').send('Unsubscribed.\n');
      return unsubscribed(request, reply, await subscriber(id));
    },
  );

  /** The page after leaving (a suppressed reader is shown as unsubscribed: either way nothing is sent). */
  const unsubscribed = (request: TokenRequest, reply: FastifyReply, found: Subscriber) =>
    answer(request, reply, 200, { status: 'unsubscribed' }, () =>
      pages.unsubscribedPage({ token: tokenOf(request), ...resubscribeOffer(found) }),
    );

  const resubscribeOffer = (found: Subscriber) => ({ canResubscribe: found.canResubscribe, windowDays: env.RESUBSCRIBE_WINDOW_DAYS });

  app.get(
    '/resubscribe',
    { schema: schemas.resubscribePage, schemaErrorFormatter: humanValidationError },
    async (request: TokenRequest, reply) => {
      const found = await subscriber(await tokenSubscriberId(claimsOf(keys, request, 'unsubscribe')));
      if (found.status === 'confirmed') {
        return answer(request, reply, 200, { status: 'confirmed' }, () =>
          pages.confirmedPage({ firstDigest: firstDigest(), alreadyConfirmed: true }),
        );
      }
      if (!resubscribeOffer(found).canResubscribe) throw new HttpError(409, 'cannot_resubscribe', CANNOT_RESUBSCRIBE);
      return answer(request, reply, 200, { status: found.status }, () => pages.resubscribePromptPage(tokenOf(request), found.emailInput));
    },
  );

  app.post(
    '/resubscribe',
    { schema: schemas.resubscribe, schemaErrorFormatter: humanValidationError },
    async (request: TokenRequest, reply) => {
      const id = await tokenSubscriberId(claimsOf(keys, request, 'unsubscribe'));
      const result = await resubscribeSubscriber(pool, id, env.RESUBSCRIBE_WINDOW_DAYS, 'resubscribed from the unsubscribe page');
      if (result.kind === 'unknown') throw notFound(TOKEN_MESSAGES.unknown, 'unknown_subscriber');
      if (result.changed || result.previous === 'confirmed') {
        return answer(request, reply, 200, { status: 'confirmed' }, () => pages.resubscribedPage(firstDigest()));
      }
      throw new HttpError(409, 'cannot_resubscribe', CANNOT_RESUBSCRIBE);
    },
  );
}

const FORM_UNREADABLE = 'The form could not be read. Please enter your email address and try again.';
const NOT_PENDING =
  'This link can no longer confirm a subscription, because the address was unsubscribed since. To get the digest again, subscribe on the home page.';
const CANNOT_RESUBSCRIBE =
  'This subscription can no longer be restored with one click. Subscribe again on the home page and confirm the email we send.';
