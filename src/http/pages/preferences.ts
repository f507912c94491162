// The reader's preferences page and the one-click rating pages. Plain forms that POST with the signed token in
// their address: they work without JavaScript and on a phone. The rating page's one script (/rate.js, served by
// the app: the CSP allows scripts from 'self' only) submits its form on load; without it, the button does.
import type { ReaderSettings } from '../../subscriptions/preferences.ts';
import { SIZES } from '../../subscriptions/preferences.ts';
import type { Vote } from '../../subscriptions/links.ts';
import { html, type SafeHtml } from '../html.ts';
import { layout } from './layout.ts';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** A few zones offered as you type; any IANA zone is accepted. */
const COMMON_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Asia/Seoul',
  'Australia/Sydney',
];

const selected = (yes: boolean) => (yes ? html` selected` : '');
const checked = (yes: boolean) => (yes ? html` checked` : '');

function option(value: string | number, label: string, current: string | number): SafeHtml {
  return html`<option value="${value}" ${selected(String(value) === String(current))}>${label}</option>`;
}

export interface PreferencesPageState {
  token: string;
  settings: ReaderSettings;
  /** After a save: "Saved." */
  notice?: string;
  /** After a refused save: what was wrong (nothing was saved). */
  error?: { field: string; message: string };
}

export function preferencesPage(state: PreferencesPageState): string {
  const { settings, token } = state;
  const action = `/preferences?token=${encodeURIComponent(token)}`;
  const hours = Array.from({ length: 24 }, (_, hour) => option(hour, `${String(hour).padStart(2, '0')}:00`, settings.hour));
  return layout(
    'Your digest',
    html`<h1>Your digest</h1>
      ${state.notice ? html`<p role="status"><strong>${state.notice}</strong></p>` : ''}
      ${state.error ? html`<p class="error" role="alert">Nothing was saved: ${state.error.message}</p>` : ''}
      <form class="card prefs" method="post" action="${action}">
        <fieldset>
          <legend>How often</legend>
          <label class="inline"
            ><input type="radio" name="frequency" value="daily" ${checked(settings.frequency === 'daily')} /> Every day</label
          >
          <label class="inline"
            ><input type="radio" name="frequency" value="weekly" ${checked(settings.frequency === 'weekly')} /> Once a week, the week’s
            best, on</label
          >
          <select name="weekday" aria-label="Weekday">
            ${WEEKDAYS.map((day, index) => option(index + 1, day, settings.weekday))}
          </select>
        </fieldset>
        <label for="size">Papers per email</label>
        <select id="size" name="size">
          ${SIZES.map((size) => option(size, String(size), settings.size))}${(SIZES as readonly number[]).includes(settings.size) ? '' : option(settings.size, String(settings.size), settings.size)}
        </select>
        <label for="hour">Delivery time</label>
        <select id="hour" name="hour">
          ${hours}
        </select>
        <label for="timeZone">Time zone</label>
        <input
          id="timeZone"
          name="timeZone"
          type="text"
          list="zones"
          maxlength="64"
          autocapitalize="off"
          spellcheck="false"
          value="${settings.timeZone}"
        />
        <datalist id="zones">${COMMON_ZONES.map((zone) => html`<option value="${zone}"></option>`)}</datalist>
        <label for="topicsInclude">Topics to favour</label>
        <input
          id="topicsInclude"
          name="topicsInclude"
          type="text"
          placeholder="diffusion, reinforcement learning"
          value="${settings.topics.include.join(', ')}"
        />
        <label for="topicsExclude">Topics to leave out</label>
        <input id="topicsExclude" name="topicsExclude" type="text" placeholder="robotics" value="${settings.topics.exclude.join(', ')}" />
        <input type="hidden" name="topicsOnly" value="false" />
        <label class="inline"
          ><input type="checkbox" name="topicsOnly" value="true" ${checked(settings.topics.only)} /> Only papers on my topics (or by authors
          I follow)</label
        >
        <label for="authors">Authors to follow</label>
        <textarea id="authors" name="authors" rows="3" placeholder="Ada Lovelace, Alan Turing">${settings.authors.join(', ')}</textarea>
        <p class="muted">Separate keywords and names with commas. Topics match titles, abstracts and keywords.</p>
        <button type="submit">Save</button>
      </form>
      <p class="muted">Anyone with this link can change these settings: do not forward the email. Every email has the link.</p>`,
  );
}

const VOTE_WORDS: Record<Vote, { ask: string; done: string }> = {
  up: { ask: 'More like this', done: 'You will see more papers like this one.' },
  down: { ask: 'Less like this', done: 'You will see fewer papers like this one.' },
};

/** GET /rate: records nothing. The script posts the form at once; without JavaScript the reader presses the button. */
export function ratePromptPage(token: string, vote: Vote, title: string): string {
  return layout(
    VOTE_WORDS[vote].ask,
    html`<h1>${VOTE_WORDS[vote].ask}?</h1>
      <p>${title}</p>
      <form class="card" id="rate" method="post" action="/rate?token=${encodeURIComponent(token)}" data-auto="submit">
        <button type="submit">${VOTE_WORDS[vote].ask}</button>
      </form>
      <script src="/rate.js"></script>`,
  );
}

export function ratedPage(token: string, vote: Vote, title: string): string {
  return layout(
    'Thanks',
    html`<h1>Thanks</h1>
      <p>${VOTE_WORDS[vote].done}</p>
      <p class="muted">${title}</p>
      <form method="post" action="/rate?token=${encodeURIComponent(token)}">
        <input type="hidden" name="action" value="undo" />
        <button type="submit">Undo</button>
      </form>`,
  );
}

export function undonePage(token: string, vote: Vote, title: string): string {
  return layout(
    'Undone',
    html`<h1>Undone</h1>
      <p>That rating is gone.</p>
      <p class="muted">${title}</p>
      <form method="post" action="/rate?token=${encodeURIComponent(token)}">
        <button type="submit">${VOTE_WORDS[vote].ask} after all</button>
      </form>`,
  );
}

/** The rating page's script: submits the form once, on load (nothing else; the CSP allows only this file). */
export const RATE_SCRIPT = `document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('rate');
  if (form && form.getAttribute('data-auto') === 'submit') { form.removeAttribute('data-auto'); form.submit(); }
});
`;
