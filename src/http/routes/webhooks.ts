// Provider webhooks for bounces and complaints, each registered only when its secret is configured, each
// verifying the provider's signature or credentials over the raw body (src/mail/webhooks/*) before anything
// is read: 401 and nothing changed for a bad signature, 200 for an event acted on, replayed or ignored.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyWebhookEvents } from '../../mail/webhook-events.ts';
import type { WebhookCheck } from '../../mail/webhooks/event.ts';
import { verifyMailgunWebhook } from '../../mail/webhooks/mailgun.ts';
import { verifyPostmarkWebhook } from '../../mail/webhooks/postmark.ts';
import {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  sendgridPublicKey,
  verifySendgridWebhook,
} from '../../mail/webhooks/sendgrid.ts';
import { verifySesNotification } from '../../mail/webhooks/ses.ts';
import type { HttpDeps } from '../deps.ts';

/** GETs a URL (SNS's signing certificate, its subscription confirmation), already checked to be SNS's own. */
export type WebhookFetch = (url: string) => Promise<string>;

const BODY_LIMIT = 1024 * 1024;

const defaultFetch: WebhookFetch = async (url) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (!response.ok) throw new Error(`GET ${new URL(url).host} answered ${response.status}`);
  return response.text();
};

export async function webhookRoutes(app: FastifyInstance, { services, fetchText }: { services: HttpDeps; fetchText?: WebhookFetch }) {
  const { env, pool } = services;
  const log = services.logger.child({ part: 'webhooks' });
  const get = fetchText ?? defaultFetch;
  // Signatures are over the exact bytes: every body arrives here as a Buffer, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

  const rawOf = (request: FastifyRequest) => (Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
  const act = async (provider: string, check: WebhookCheck, reply: FastifyReply) => {
    if (!check.ok) {
      log.warn({ provider, reason: check.reason }, 'webhook refused');
      return reply.code(401).send({ error: 'unauthorized', message: 'signature or credentials do not match' });
    }
    const outcome = await applyWebhookEvents(pool, check.events);
    log.info({ provider, ...outcome }, 'webhook handled');
    return reply.code(200).send({ ok: true, ...outcome });
  };

  if (env.SES_SNS_TOPIC_ARNS) {
    const topicArns = env.SES_SNS_TOPIC_ARNS.split(',').map((arn) => arn.trim());
    const certificates = new Map<string, Promise<string>>();
    const fetchCertificate = (url: string) => {
      let certificate = certificates.get(url);
      if (!certificate) {
        certificate = get(url);
        certificate.catch(() => certificates.delete(url));
        certificates.set(url, certificate);
      }
      return certificate;
    };
    app.post('/webhooks/ses', async (request, reply) => {
      const check = await verifySesNotification(rawOf(request), { topicArns, fetchCertificate });
      if (!check.ok) return act('ses', check, reply);
      if (check.type === 'subscription-confirmation') {
        await get(check.subscribeUrl);
        log.info({ topicArn: check.topicArn }, 'SNS subscription confirmed');
        return reply.code(200).send({ ok: true, confirmed: check.topicArn });
      }
      if (check.type === 'unsubscribe-confirmation') return reply.code(200).send({ ok: true });
      return act('ses', { ok: true, events: check.events }, reply);
    });
  }
  if (env.POSTMARK_WEBHOOK_USER && env.POSTMARK_WEBHOOK_PASSWORD) {
    const credentials = { username: env.POSTMARK_WEBHOOK_USER, password: env.POSTMARK_WEBHOOK_PASSWORD };
    app.post('/webhooks/postmark', (request, reply) =>
      act('postmark', verifyPostmarkWebhook(rawOf(request), request.headers.authorization, credentials), reply),
    );
  }
  if (env.MAILGUN_WEBHOOK_SIGNING_KEY) {
    const key = env.MAILGUN_WEBHOOK_SIGNING_KEY;
    app.post('/webhooks/mailgun', (request, reply) => act('mailgun', verifyMailgunWebhook(rawOf(request), key, Date.now()), reply));
  }
  if (env.SENDGRID_WEBHOOK_PUBLIC_KEY) {
    const key = sendgridPublicKey(env.SENDGRID_WEBHOOK_PUBLIC_KEY);
    app.post('/webhooks/sendgrid', (request, reply) => {
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      const headers = { signature: header(SENDGRID_SIGNATURE_HEADER), timestamp: header(SENDGRID_TIMESTAMP_HEADER) };
      return act('sendgrid', verifySendgridWebhook(rawOf(request), headers, key), reply);
    });
  }
}
