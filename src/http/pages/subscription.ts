// The pages a reader sees while subscribing, confirming and leaving. No JavaScript: every action is a
// plain form POST carrying its signed token, so they work everywhere and need no cookies.
import { html, type SafeHtml } from '../html.ts';
import { layout } from './layout.ts';

/** The form's honeypot field: people never see it, bots fill it in. */
export const HONEYPOT_FIELD = 'website';

export interface SubscribeFormState {
  /** What the reader typed, shown back after a mistake. */
  value?: string;
  error?: string;
}

/** The subscribe form; `compact` is the one-line version at the top of archive pages. */
export function subscribeForm(state: SubscribeFormState, options: { compact?: boolean } = {}): SafeHtml {
  const invalid = Boolean(state.error);
  return html`<form class="card${options.compact ? ' join' : ''}" method="post" action="/subscribe" novalidate>
    <label for="email">${options.compact ? 'Get these papers in your inbox every morning' : 'Your email address'}</label>
    ${invalid ? html`<p class="error" id="email-error" role="alert">${state.error}</p>` : ''}
    <input
      id="email"
      name="email"
      type="email"
      inputmode="email"
      autocomplete="email"
      autocapitalize="off"
      spellcheck="false"
      required
      maxlength="320"
      placeholder="ada@example.org"
      value="${state.value ?? ''}"
      ${invalid ? html`aria-invalid="true" aria-describedby="email-error"` : ''}
    />
    <div class="hp" aria-hidden="true">
      <label for="${HONEYPOT_FIELD}">Leave this empty</label>
      <input id="${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off" value="" />
    </div>
    <button type="submit">Subscribe</button>
  </form>`;
}

/** `sample`: the latest edition's top papers (src/http/pages/edition.ts), shown under the form. */
export function subscribePage(state: SubscribeFormState = {}, sample?: SafeHtml): string {
  return layout(
    state.error ? 'Check the address' : 'The day’s trending papers, by email',
    html`<h1>The day’s trending research papers, in your inbox</h1>
      <p>
        Every morning Paperboy sends one short email with the papers rising fastest on Hugging Face Daily Papers: for each, its title, a
        one-line TL;DR, its votes and the links to the paper, its PDF and its code.
      </p>
      <ul>
        <li>One email a day, nothing else.</li>
        <li>You confirm by email first, so nobody can sign you up.</li>
        <li>Leave any time with one click from any email.</li>
      </ul>
      ${subscribeForm(state)}
      <p class="muted">We keep your address only to send the digest and never share it.</p>
      ${sample ?? html`<p class="muted">Or follow the <a href="/editions">past editions</a> and the <a href="/feed.xml">feed</a>.</p>`}`,
  );
}

/** The same page for every address, new or known, so it tells nobody who is subscribed. */
export function checkInboxPage(options: { ttlDescription: string; resendMinutes: number }): string {
  return layout(
    'Check your inbox',
    html`<h1>Check your inbox</h1>
      <div class="card" role="status">
        <p>
          If that address can receive Paperboy, a confirmation email is on its way. Open it and press
          <strong>Confirm my subscription</strong>; the link works for ${options.ttlDescription}.
        </p>
        <p class="muted">
          Nothing arrived after a few minutes? Look in your spam folder, or subscribe again: we send at most one confirmation every
          ${options.resendMinutes} minutes.
        </p>
      </div>
      <p><a href="/">Back to the start</a></p>`,
  );
}

/** Every email's footer links here (#your-data): what we hold about the reader, to take away or to erase (the preferences page can show it too). */
export function yourDataCard(token: string): SafeHtml {
  return html`<div class="card" id="your-data">
    <h2>Your data</h2>
    <p>
      <a href="/my-data?token=${token}">Download my data</a> (everything we hold about you, as JSON) ·
      <a href="/erase?token=${token}">Erase me</a> (your address and all of it, for good)
    </p>
  </div>`;
}

export function actionForm(action: string, token: string, label: string): SafeHtml {
  return html`<form method="post" action="${action}">
    <input type="hidden" name="token" value="${token}" />
    <button type="submit">${label}</button>
  </form>`;
}

export function confirmPromptPage(token: string, address: string): string {
  return layout(
    'Confirm your subscription',
    html`<h1>Confirm your subscription</h1>
      <div class="card">
        <p>Send the day’s trending research papers to <strong>${address}</strong>, once a day?</p>
        ${actionForm('/confirm', token, 'Confirm my subscription')}
      </div>
      <p class="muted">Changed your mind? Close this page: nothing happens until you press the button.</p>`,
  );
}

export function confirmedPage(options: { firstDigest: string; alreadyConfirmed: boolean }): string {
  return layout(
    'You’re subscribed',
    html`<h1>${options.alreadyConfirmed ? 'You’re already subscribed' : 'You’re subscribed'}</h1>
      <div class="card" role="status">
        <p>
          ${options.alreadyConfirmed ? 'The next digest arrives' : 'Your first digest arrives'} <strong>${options.firstDigest}</strong>, and
          then every day at the same time.
        </p>
        <p class="muted">Every email has an unsubscribe link at the bottom: one click and you’re out.</p>
      </div>`,
  );
}

export function unsubscribePromptPage(token: string, address: string): string {
  return layout(
    'Unsubscribe',
    html`<h1>Unsubscribe</h1>
      <div class="card">
        <p>Stop sending the daily digest to <strong>${address}</strong>?</p>
        ${actionForm('/unsubscribe', token, 'Unsubscribe')}
      </div>
      ${yourDataCard(token)}`,
  );
}

export function unsubscribedPage(options: { token: string; canResubscribe: boolean; windowDays: number }): string {
  return layout(
    'You’re unsubscribed',
    html`<h1>You’re unsubscribed</h1>
      <div class="card" role="status">
        <p>You will get no more emails from Paperboy.</p>
      </div>
      ${
        options.canResubscribe
          ? html`<div class="card">
              <p>Subscribed by mistake? You can undo it for the next ${options.windowDays} days.</p>
              ${actionForm('/resubscribe', options.token, 'Resubscribe')}
            </div>`
          : html`<p class="muted">Changed your mind? <a href="/">Subscribe again</a>.</p>`
      }
      ${yourDataCard(options.token)}`,
  );
}

export function resubscribePromptPage(token: string, address: string): string {
  return layout(
    'Resubscribe',
    html`<h1>Resubscribe</h1>
      <div class="card">
        <p>Start sending the daily digest to <strong>${address}</strong> again?</p>
        ${actionForm('/resubscribe', token, 'Resubscribe')}
      </div>`,
  );
}

export function resubscribedPage(firstDigest: string): string {
  return layout(
    'Welcome back',
    html`<h1>Welcome back</h1>
      <div class="card" role="status">
        <p>You’re subscribed again. The next digest arrives <strong>${firstDigest}</strong>.</p>
      </div>`,
  );
}
