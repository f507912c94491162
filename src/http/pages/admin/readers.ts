// The console's reader pages: search, one reader (state, history, deliveries, what other tables hold), suppressions.
import type { ReaderExport } from '../../../db/reader-data.ts';
import type { Reader, ReaderDelivery, ReaderEvent, ReaderMatch } from '../../../db/readers.ts';
import type { Suppression } from '../../../db/suppressions.ts';
import { html } from '../../html.ts';
import { adminForm, adminPage, when } from './shell.ts';

export function readerSearchPage(csrf: string, query: string, matches: ReaderMatch[]): string {
  return adminPage(
    'Readers',
    html`<h1>Readers</h1>
      <form class="card" method="get" action="/admin/readers" role="search">
        <label for="q">Address, or its beginning</label>
        <input id="q" name="q" type="search" value="${query}" autocomplete="off" />
        <button>Search</button>
      </form>
      ${
        query === ''
          ? ''
          : matches.length === 0
            ? html`<p>No reader's address is or starts with "${query}".</p>`
            : html`<div class="scroll">
                <table id="matches">
                  <thead>
                    <tr>
                      <th>Address</th>
                      <th>State</th>
                      <th>Since</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${matches.map(
                      (match) =>
                        html`<tr>
                          <td><a href="/admin/readers/${match.id}">${match.email}</a></td>
                          <td>${match.status}</td>
                          <td>${when(match.createdAt)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
      }`,
    { csrf },
  );
}

export interface ReaderView {
  reader: Reader;
  events: ReaderEvent[];
  deliveries: ReaderDelivery[];
  /** Rows other tables hold about them (ratings, settings…), by table, from the export. */
  other: ReaderExport['tables'];
  csrf: string;
  notice?: string;
}

const SHOWN_ELSEWHERE = new Set(['subscriber_events', 'deliveries']);

export function readerPage(view: ReaderView): string {
  const { reader, csrf } = view;
  const base = `/admin/readers/${reader.id}`;
  const others = Object.entries(view.other).filter(([table, rows]) => !SHOWN_ELSEWHERE.has(table) && rows.length > 0);
  return adminPage(
    reader.email,
    html`<p><a href="/admin/readers">← Readers</a></p>
      <h1 id="reader-email">${reader.email}</h1>
      ${view.notice ? html`<p class="card" role="status">${view.notice}</p>` : ''}
      <section class="card">
        <p>
          State: <strong id="reader-status">${reader.status}</strong>, subscribed
          ${when(reader.createdAt)}${reader.confirmedAt ? html`, confirmed ${when(reader.confirmedAt)}` : ''}.
        </p>
        ${
          reader.suppressionReason
            ? html`<p>
                Suppressed (${reader.suppressionReason}) ${when(reader.suppressedAt)}: <code>${reader.suppressionDetail ?? ''}</code>
              </p>`
            : ''
        }
        <div class="actions">
          ${reader.status === 'pending' || reader.status === 'confirmed' ? adminForm(`${base}/unsubscribe`, csrf, 'Unsubscribe') : ''}
          ${
            reader.suppressionReason
              ? adminForm(
                  `${base}/lift-suppression`,
                  csrf,
                  'Lift suppression',
                  reader.suppressionReason === 'complaint'
                    ? html`<label><input type="checkbox" name="force" value="1" /> they complained: lift anyway</label>`
                    : '',
                )
              : adminForm(`${base}/suppress`, csrf, 'Suppress')
          }
          <form method="get" action="${base}/export"><button>Export (JSON)</button></form>
          <form method="get" action="${base}/erase"><button>Erase…</button></form>
        </div>
      </section>
      <h2>History</h2>
      <div class="scroll">
        <table id="events">
          <thead>
            <tr>
              <th>When</th>
              <th>State</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            ${view.events.map(
              (event) =>
                html`<tr>
                  <td>${when(event.occurredAt)}</td>
                  <td>${event.status}</td>
                  <td>${event.reason}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <h2>Deliveries</h2>
      <div class="scroll">
        <table id="deliveries">
          <thead>
            <tr>
              <th>Edition</th>
              <th>State</th>
              <th class="num">Attempts</th>
              <th>Sent</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            ${view.deliveries.map(
              (delivery) =>
                html`<tr>
                  <td><a href="/admin/editions/${delivery.editionDate}">${delivery.editionDate}</a></td>
                  <td>${delivery.status}</td>
                  <td class="num">${delivery.attempts}</td>
                  <td>${when(delivery.sentAt)}</td>
                  <td>${delivery.lastError ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${others.map(
        ([table, rows]) =>
          html`<h2>${table}</h2>
            <pre>${rows.map((row) => JSON.stringify(row)).join('\n')}</pre>`,
      )}`,
    { csrf },
  );
}

export function eraseConfirmPage(reader: Reader, csrf: string): string {
  return adminPage(
    'Erase',
    html`<h1>Erase ${reader.email}?</h1>
      <div class="card">
        <p>
          Their address, history, deliveries and everything else tied to them is deleted for good.
          ${reader.suppressionReason ? 'They are suppressed: a keyed hash of the address stays, so it is never mailed again.' : ''}
        </p>
        ${adminForm(`/admin/readers/${reader.id}/erase`, csrf, 'Erase for good')}
      </div>`,
    { csrf },
  );
}

export function erasedPage(csrf: string, suppressionKept: string | null): string {
  return adminPage(
    'Erased',
    html`<h1>Erased</h1>
      <p class="card" role="status">
        The reader and everything tied to them are
        gone${suppressionKept ? html`; their suppression (${suppressionKept}) is kept as a keyed hash` : ''}.
      </p>
      <p><a href="/admin/readers">Readers</a></p>`,
    { csrf },
  );
}

export function suppressionsPage(csrf: string, rows: Suppression[]): string {
  return adminPage(
    'Suppressions',
    html`<h1>Suppressions</h1>
      <p class="muted">${rows.length} addresses never mailed again, and the reply or report that caused each.</p>
      <div class="scroll">
        <table id="suppressions">
          <thead>
            <tr>
              <th>Since</th>
              <th>Address</th>
              <th>Why</th>
              <th>Reply or report</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (row) =>
                html`<tr>
                  <td>${when(row.createdAt)}</td>
                  <td>${row.email.startsWith('erased:') ? html`<span class="muted">an erased reader</span>` : row.email}</td>
                  <td>${row.reason}</td>
                  <td><code>${row.detail ?? ''}</code></td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
    { csrf },
  );
}
