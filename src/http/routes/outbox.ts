// The development outbox: every message "sent" without SMTP_URL, browsable in a browser.
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { findOutboxMessage, listOutboxMessages } from '../../db/outbox.ts';
import type { HttpDeps } from '../deps.ts';
import { html, trusted } from '../html.ts';
import { layout } from '../pages/layout.ts';

/**
 * The preview frame is isolated (no scripts, no same-origin access, no forms), but its links and buttons must work
 * as in a mail client: each opens in a new tab that escapes the sandbox, so the confirm page's form can be pressed.
 */
export const PREVIEW_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';
const PREVIEW_CSP = `sandbox ${PREVIEW_SANDBOX}; default-src 'none'; img-src * data:; style-src 'unsafe-inline'; frame-ancestors 'self'`;

/** Every link of the message opens in a new tab: a `<base target>` covers links, image maps and forms alike. */
export function previewHtml(messageHtml: string): string {
  const base = '<base target="_blank">';
  if (/<head(\s[^>]*)?>/i.test(messageHtml)) return messageHtml.replace(/<head(\s[^>]*)?>/i, (head) => `${head}${base}`);
  return `${base}${messageHtml}`;
}

const OUTBOX_STYLE = trusted(`<style>
.messages{list-style:none;padding:0;margin:0}.messages li{border-top:1px solid var(--line);padding:.7rem 0;display:flex;flex-wrap:wrap;gap:.2rem 1rem}
.messages .subject{flex:1 1 100%;font-weight:600;overflow-wrap:anywhere}.messages .meta{color:var(--muted);font-size:.88rem;overflow-wrap:anywhere}
.preview{width:100%;height:75vh;border:1px solid var(--line);border-radius:8px;background:#fff}
.actions a{margin-right:1rem;font-weight:600}
pre{overflow-wrap:anywhere}
</style>`);

const timeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** "2 min ago · 1 Dec, 21:49:13 UTC": how long ago first (what a developer looks for), then the time. */
export function readableTime(at: Date, now = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  const ago =
    seconds < 60
      ? 'just now'
      : seconds < 3600
        ? `${Math.floor(seconds / 60)} min ago`
        : seconds < 86_400
          ? `${Math.floor(seconds / 3600)} h ago`
          : `${Math.floor(seconds / 86_400)} d ago`;
  return `${ago} · ${timeFormat.format(at)}`;
}

function when(at: Date) {
  return html`<time datetime="${at.toISOString()}">${readableTime(at)}</time>`;
}

export async function outboxRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { pool } = services;
  const schema = { hide: true };
  const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;

  const findMessage = (id: number) => findOutboxMessage(pool, id);

  app.get('/dev/outbox', { schema }, async (_request, reply) => {
    const rows = await listOutboxMessages(pool, 200);
    const body = html`${OUTBOX_STYLE}
      <h1>Development outbox</h1>
      <p class="muted">Mail sent while <code>SMTP_URL</code> is unset lands here instead of in an inbox. Newest first.</p>
      ${rows.length === 0 ? html`<p>No messages yet. Subscribe on the <a href="/">home page</a> to send one.</p>` : ''}
      <ul class="messages">
        ${rows.map(
          (row) =>
            html`<li>
              <a class="subject" href="/dev/outbox/${row.id}">${row.subject ?? '(no subject)'}</a>
              <span class="meta">#${row.id} · to ${row.envelopeTo.join(', ')} · ${when(row.createdAt)}</span>
              <a class="meta" href="/dev/outbox/${row.id}/html" target="_blank" rel="noopener">open HTML</a>
            </li>`,
        )}
      </ul>`;
    return reply.type('text/html; charset=utf-8').send(layout('Outbox', body, { wide: true }));
  });

  app.get<{ Params: { id: number } }>('/dev/outbox/:id', { schema: { ...schema, params: idParams } }, async (request, reply) => {
    const message = await findMessage(request.params.id);
    if (!message)
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(layout('Not found', html`<h1>No such message</h1>`));
    const parsed = await simpleParser(message.raw);
    const headers = [...parsed.headerLines].map((line) => line.line).join('\n');
    const body = html`${OUTBOX_STYLE}
      <p><a href="/dev/outbox">← Outbox</a></p>
      <h1>${parsed.subject ?? '(no subject)'}</h1>
      <p class="muted">To ${message.envelopeTo.join(', ')} · ${when(message.createdAt)}</p>
      <p class="actions">
        <a href="/dev/outbox/${message.id}/html" target="_blank" rel="noopener">Open HTML in a new tab</a>
        <a href="/dev/outbox/${message.id}/raw">Raw message</a>
      </p>
      <h2>HTML part</h2>
      <p class="muted">Links and buttons open in a new tab, as from a mail client.</p>
      <iframe title="HTML part" class="preview" src="/dev/outbox/${message.id}/html" sandbox="${PREVIEW_SANDBOX}"></iframe>
      <h2>Text part</h2>
      <pre>${parsed.text ?? '(none)'}</pre>
      <h2>Headers</h2>
      <pre>${headers}</pre>`;
    return reply.type('text/html; charset=utf-8').send(layout(parsed.subject ?? 'Message', body, { wide: true }));
  });

  app.get<{ Params: { id: number } }>('/dev/outbox/:id/html', { schema: { ...schema, params: idParams } }, async (request, reply) => {
    const message = await findMessage(request.params.id);
    if (!message) return reply.code(404).send('not found');
    const parsed = await simpleParser(message.raw);
    // The message's own HTML, shown as a mail client would: sandboxed (no scripts, no forms), links in new tabs.
    return reply
      .header('content-security-policy', PREVIEW_CSP)
      .type('text/html; charset=utf-8')
      .send(previewHtml(parsed.html || '<p>(no HTML part)</p>'));
  });

  app.get<{ Params: { id: number } }>('/dev/outbox/:id/raw', { schema: { ...schema, params: idParams } }, async (request, reply) => {
    const message = await findMessage(request.params.id);
    if (!message) return reply.code(404).send('not found');
    return reply.type('text/plain; charset=utf-8').send(message.raw);
  });
}
