// The development outbox: every message "sent" without SMTP_URL, browsable in a browser.
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { findOutboxMessage, listOutboxMessages } from '../../db/outbox.ts';
import type { HttpDeps } from '../deps.ts';
import { html } from '../html.ts';
import { layout } from '../pages/layout.ts';

export async function outboxRoutes(app: FastifyInstance, { services }: { services: HttpDeps }) {
  const { pool } = services;
  const schema = { hide: true };
  const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;

  const findMessage = (id: number) => findOutboxMessage(pool, id);

  app.get('/dev/outbox', { schema }, async (_request, reply) => {
    const rows = await listOutboxMessages(pool, 200);
    const body = html`<h1>Development outbox</h1>
      <p class="muted">Mail sent while <code>SMTP_URL</code> is unset lands here instead of in an inbox. Newest first.</p>
      ${rows.length === 0 ? html`<p>No messages yet. Subscribe on the <a href="/">home page</a> to send one.</p>` : ''}
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>To</th>
            <th>Subject</th>
            <th>Sent</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (row) =>
              html`<tr>
                <td>${row.id}</td>
                <td>${row.envelopeTo.join(', ')}</td>
                <td><a href="/dev/outbox/${row.id}">${row.subject ?? '(no subject)'}</a></td>
                <td>${row.createdAt.toISOString()}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
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
    const body = html`<p><a href="/dev/outbox">← Outbox</a></p>
      <h1>${parsed.subject ?? '(no subject)'}</h1>
      <p class="muted">
        To ${message.envelopeTo.join(', ')} · ${message.createdAt.toISOString()} · <a href="/dev/outbox/${message.id}/raw">raw</a>
      </p>
      <h2>HTML part</h2>
      <iframe
        title="HTML part"
        src="/dev/outbox/${message.id}/html"
        style="width:100%;height:70vh;border:1px solid var(--line);border-radius:8px;background:#fff"
        sandbox
      ></iframe>
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
    // The message's own HTML, shown as a mail client would: in a sandbox, no scripts.
    return reply
      .header('content-security-policy', "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'; frame-ancestors 'self'")
      .type('text/html; charset=utf-8')
      .send(parsed.html || '<p>(no HTML part)</p>');
  });

  app.get<{ Params: { id: number } }>('/dev/outbox/:id/raw', { schema: { ...schema, params: idParams } }, async (request, reply) => {
    const message = await findMessage(request.params.id);
    if (!message) return reply.code(404).send('not found');
    return reply.type('text/plain; charset=utf-8').send(message.raw);
  });
}
