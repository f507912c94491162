// The dashboard: four pictures (readers over time, each edition's outcome, bounces and complaints, the queues)
// drawn by uPlot from the figures embedded as JSON (src/http/assets/dashboard.js), each also said in words.
import type { EditionOutcome, PausedEdition, ReadersOnDay, ReportsOnDay } from '../../../db/dashboard.ts';
import { complaintRate, formatRate, COMPLAINT_RATE_LIMIT } from '../../../mail/complaint-rate.ts';
import type { QueueStats } from '../../../queue/queue-stats.ts';
import { html, trusted } from '../../html.ts';
import { adminForm, adminPage, when } from './shell.ts';

export interface DashboardView {
  readers: ReadersOnDay[];
  editions: EditionOutcome[];
  reports: ReportsOnDay[];
  queues: QueueStats[];
  paused: PausedEdition[];
  csrf: string;
}

/** JSON inside <script type="application/json">: `<` escaped so no value can close the element. */
export function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function dashboardPage(view: DashboardView): string {
  const week = view.reports.slice(-7);
  const weekRate = complaintRate(
    week.reduce((sum, day) => sum + day.complaints, 0),
    week.reduce((sum, day) => sum + day.sent, 0),
  );
  const today = view.readers.at(-1);
  const data = {
    readers: view.readers,
    editions: view.editions.map(({ editionDate, sent, failed, skipped, open, sendSeconds }) => ({
      editionDate,
      sent,
      failed,
      skipped,
      open,
      sendSeconds,
    })),
    reports: view.reports.map((day) => ({ ...day, complaintRate: complaintRate(day.complaints, day.sent).rate })),
    complaintRateLimit: COMPLAINT_RATE_LIMIT,
  };
  const rateClass = weekRate.status === 'ok' ? 'ok' : 'flag';
  return adminPage(
    'Dashboard',
    html`<h1>Dashboard</h1>
      ${view.paused.map(
        (edition) =>
          html`<div class="card" role="alert">
            <p class="flag">
              The edition of ${edition.editionDate} is paused since ${when(edition.pausedAt)}: ${edition.refusals} of ${edition.attempts}
              sends refused, most often "${edition.reason ?? 'unknown'}".
            </p>
            <p class="muted">Fix the relay first; Resume sends the refused deliveries again (as <code>paperboy digest --resume</code>).</p>
            ${adminForm(`/admin/editions/${edition.editionDate}/resume`, view.csrf, `Resume ${edition.editionDate}`)}
          </div>`,
      )}
      <div class="grid">
        <section class="card">
          <h2>Readers, last ${view.readers.length} days</h2>
          <div class="chart" id="chart-readers" aria-hidden="true"></div>
          <p class="muted">
            Today: ${today?.confirmed ?? 0} confirmed, ${today?.pending ?? 0} pending, ${today?.unsubscribed ?? 0} unsubscribed,
            ${today?.suppressed ?? 0} suppressed.
          </p>
        </section>
        <section class="card">
          <h2>Editions</h2>
          <div class="chart" id="chart-editions" aria-hidden="true"></div>
          <p class="muted">Deliveries sent, failed, skipped and still open per edition (bars), and how long each took to send (line).</p>
        </section>
        <section class="card">
          <h2>Bounces and complaints</h2>
          <div class="chart" id="chart-reports" aria-hidden="true"></div>
          <p class="${rateClass}" id="complaint-rate">
            Complaint rate, last 7 days: ${formatRate(weekRate.rate)}
            ${weekRate.status === 'over' ? '— over the 0.3 % Gmail and Yahoo enforce' : weekRate.status === 'close' ? '— close to the 0.3 % Gmail and Yahoo enforce' : '(limit 0.3 %)'}
          </p>
        </section>
        <section class="card">
          <h2>Queues</h2>
          <div class="scroll">
            <table id="queues">
              <thead>
                <tr>
                  <th>Queue</th>
                  <th class="num">Waiting</th>
                  <th class="num">Active</th>
                  <th class="num">Delayed</th>
                  <th class="num">Failed</th>
                  <th class="num">Workers</th>
                </tr>
              </thead>
              <tbody>
                ${view.queues.map(
                  (queue) =>
                    html`<tr>
                      <td>${queue.name}</td>
                      <td class="num">${queue.waiting}</td>
                      <td class="num">${queue.active}</td>
                      <td class="num">${queue.delayed}</td>
                      <td class="num">${queue.failed}</td>
                      <td class="num ${queue.workers === 0 ? 'flag' : ''}">${queue.workers}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
          <p class="muted"><a href="/admin/queues">Jobs in detail</a></p>
        </section>
      </div>
      <script type="application/json" id="dashboard-data">
        ${trusted(embeddedJson(data))}
      </script>`,
    {
      csrf: view.csrf,
      head: html`<link rel="stylesheet" href="/admin/assets/uplot.css" />
        <script src="/admin/assets/uplot.js" defer></script>
        <script src="/admin/assets/dashboard.js" defer></script>`,
    },
  );
}
