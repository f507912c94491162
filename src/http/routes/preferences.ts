// The reader's side of taste: the preferences page (GET shows, POST saves; JSON on the same routes) and the
// one-click ratings of the digest (GET shows a page and records nothing: link scanners open every link; the
// page's POST records). No login: each link carries a signed token (src/security/tokens.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findPaperTitle, findReaderSettings, recordRating, saveReaderSettings, undoRating } from '../../db/reader-settings.ts';
import { findSubscriber, subscriberIdOf } from '../../db/subscribers.ts';
import { slotOf } from '../../digest/delivery-slots.ts';
import { dateIn } from '../../digest/calendar.ts';
import { titleText } from '../../digest/digest-view.ts';
import { tokenKeys } from '../../security/keys.ts';
import { verifyTokenWithAnyKey, type TokenClaims, type TokenPurpose } from '../../security/tokens.ts';
import { parseRatingScope, type Vote } from '../../subscriptions/links.ts';
import {
  applySettings,
  defaultSettingsFor,
  parseSettingsForm,
  parseSettingsJson,
  type ReaderSettings,
} from '../../subscriptions/preferences.ts';
import type { HttpDeps } from '../deps.ts';
import { badRequest, notFound } from '../errors.ts';
import * as pages from '../pages/preferences.ts';
import { answer } from '../reply.ts';

type TokenRequest = FastifyRequest<{ Querystring: { token?: unknown }; Body: unknown }>;

const INVALID_LINK = 'This link is not valid. It may have been cut short or changed: open it again from the email, or copy the whole link.';
const UNKNOWN_READER = 'We could not find this subscription. It may have been removed.';

const tokenQuery = {
  querystring: {
    type: 'object',
    properties: { token: { type: 'string', maxLength: 512, description: 'The signed token from the link in the email.' } },
  },
} as const;

/** The UTC hour the reader's local hour falls in today: the hourly run's bucket (reader_settings.utc_hour). */
export const utcHourOf = (settings: Pick<ReaderSettings, 'hour' | 'timeZone'>, now = new Date()) =>
  slotOf(settings, dateIn(settings.timeZone, now)).getUTCHours();

export async function preferencesRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { env, pool, keys } = services;

  /** The verified claims and the reader's row id (the token names them by public id); 404 for a reader gone. */
  const claimsOf = async (request: TokenRequest, purpose: TokenPurpose): Promise<TokenClaims & { subscriberId: number }> => {
    const check = verifyTokenWithAnyKey(tokenKeys(keys), request.query.token, purpose);
    if (!check.ok) throw badRequest(INVALID_LINK, 'invalid_token');
    const subscriberId = await subscriberIdOf(pool, check.claims.subscriber);
    if (subscriberId === undefined) throw notFound(UNKNOWN_READER, 'unknown_subscriber');
    return { ...check.claims, subscriberId };
  };
  const existingReader = async (subscriberId: number) => {
    if (!(await findSubscriber(pool, subscriberId, env.RESUBSCRIBE_WINDOW_DAYS))) throw notFound(UNKNOWN_READER, 'unknown_subscriber');
  };
  const settingsOf = async (subscriberId: number) => (await findReaderSettings(pool, subscriberId)) ?? defaultSettingsFor(env);
  // The token is the key to these pages: never kept by a browser cache or a proxy.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
  });

  app.get('/preferences', { schema: tokenQuery }, async (request: TokenRequest, reply) => {
    const { subscriberId } = await claimsOf(request, 'preferences');
    await existingReader(subscriberId);
    const settings = await settingsOf(subscriberId);
    return answer(request, reply, 200, settings, () => pages.preferencesPage({ token: String(request.query.token), settings }));
  });

  app.post('/preferences', { schema: tokenQuery }, async (request: TokenRequest, reply) => {
    const { subscriberId } = await claimsOf(request, 'preferences');
    await existingReader(subscriberId);
    const current = await settingsOf(subscriberId);
    const isJson = (request.headers['content-type'] ?? '').includes('application/json');
    const parsed = isJson ? parseSettingsJson(request.body) : parseSettingsForm((request.body ?? {}) as Record<string, unknown>);
    const token = String(request.query.token);
    if (!parsed.ok) {
      const { field, message } = parsed;
      return answer(request, reply, 400, { error: 'invalid_setting', field, message }, () =>
        pages.preferencesPage({ token, settings: current, error: { field, message } }),
      );
    }
    const settings = applySettings(current, parsed.patch);
    if (!(await saveReaderSettings(pool, subscriberId, settings, utcHourOf(settings))))
      throw notFound(UNKNOWN_READER, 'unknown_subscriber');
    return answer(request, reply, 200, settings, () => pages.preferencesPage({ token, settings, notice: 'Saved.' }));
  });

  const ratingOf = async (request: TokenRequest) => {
    const claims = await claimsOf(request, 'rate');
    const rating = parseRatingScope(claims.scope);
    if (!rating) throw badRequest(INVALID_LINK, 'invalid_token');
    const title = await findPaperTitle(pool, rating.paperId);
    if (title === undefined) throw notFound('This paper is no longer here.', 'unknown_paper');
    return { subscriberId: claims.subscriberId, ...rating, title: titleText(title), token: String(request.query.token) };
  };
  const voteNumber = (vote: Vote) => (vote === 'up' ? 1 : -1);

  app.get('/rate', { schema: tokenQuery }, async (request: TokenRequest, reply) => {
    const rating = await ratingOf(request);
    return answer(request, reply, 200, { status: 'unrecorded', paperId: rating.paperId, vote: rating.vote }, () =>
      pages.ratePromptPage(rating.token, rating.vote, rating.title),
    );
  });

  app.post('/rate', { schema: tokenQuery }, async (request: TokenRequest, reply: FastifyReply) => {
    const rating = await ratingOf(request);
    const body = (request.body ?? {}) as { action?: unknown };
    if (body.action !== undefined && body.action !== 'undo') throw badRequest('action is "undo" or absent.', 'invalid_action');
    if (body.action === 'undo') {
      await undoRating(pool, rating.subscriberId, rating.paperId, voteNumber(rating.vote));
      return answer(request, reply, 200, { status: 'undone', paperId: rating.paperId, vote: rating.vote }, () =>
        pages.undonePage(rating.token, rating.vote, rating.title),
      );
    }
    if (!(await recordRating(pool, rating.subscriberId, rating.paperId, voteNumber(rating.vote))))
      throw notFound(UNKNOWN_READER, 'unknown_subscriber');
    return answer(request, reply, 200, { status: 'recorded', paperId: rating.paperId, vote: rating.vote }, () =>
      pages.ratedPage(rating.token, rating.vote, rating.title),
    );
  });

  app.get('/rate.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('x-content-type-options', 'nosniff').send(pages.RATE_SCRIPT),
  );
}
