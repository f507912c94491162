// The console's editions: the list with each one's counts, and one edition's papers with its rendered email.
import type { EditionOutcome } from '../../../db/dashboard.ts';
import type { Edition } from '../../../db/editions.ts';
import { html } from '../../html.ts';
import { adminForm, adminPage, when } from './shell.ts';

export function editionsPage(csrf: string, editions: EditionOutcome[]): string {
  return adminPage(
    'Editions',
    html`<h1>Editions</h1>
      <div class="scroll">
        <table id="editions">
          <thead>
            <tr>
              <th>Edition</th>
              <th class="num">Sent</th>
              <th class="num">Failed</th>
              <th class="num">Skipped</th>
              <th class="num">Open</th>
              <th class="num">Send time</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${[...editions].reverse().map(
              (edition) =>
                html`<tr>
                  <td><a href="/admin/editions/${edition.editionDate}">${edition.editionDate}</a></td>
                  <td class="num">${edition.sent}</td>
                  <td class="num">${edition.failed}</td>
                  <td class="num">${edition.skipped}</td>
                  <td class="num">${edition.open}</td>
                  <td class="num">${edition.sendSeconds === null ? '' : `${edition.sendSeconds.toFixed(1)} s`}</td>
                  <td>${edition.pausedAt ? html`<span class="flag">paused</span>` : ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
    { csrf },
  );
}

export function editionPage(csrf: string, edition: Edition, outcome: EditionOutcome | undefined): string {
  return adminPage(
    edition.editionDate,
    html`<p><a href="/admin/editions">← Editions</a></p>
      <h1>${edition.title}</h1>
      <p>
        Subject: <strong>${edition.subject}</strong>. Built
        ${when(edition.createdAt)}${edition.fannedOutAt ? html`, fanned out ${when(edition.fannedOutAt)}` : ''}.
      </p>
      ${
        outcome
          ? html`<p>${outcome.sent} sent, ${outcome.failed} failed, ${outcome.skipped} skipped, ${outcome.open} open.</p>
              ${outcome.pausedAt ? adminForm(`/admin/editions/${edition.editionDate}/resume`, csrf, 'Resume sending') : ''}`
          : ''
      }
      <h2>Papers</h2>
      <div class="scroll">
        <table id="papers">
          <thead>
            <tr>
              <th class="num">#</th>
              <th>Title</th>
              <th class="num">Upvotes</th>
              <th class="num">Score</th>
            </tr>
          </thead>
          <tbody>
            ${edition.papers.map(
              (paper) =>
                html`<tr>
                  <td class="num">${paper.rank}</td>
                  <td><a href="${paper.url}">${paper.title}</a></td>
                  <td class="num">${paper.upvotes}</td>
                  <td class="num">${paper.score.toFixed(2)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <h2>The email</h2>
      <iframe src="/admin/editions/${edition.editionDate}/preview" title="The edition's email as rendered" sandbox></iframe>`,
    { csrf },
  );
}
