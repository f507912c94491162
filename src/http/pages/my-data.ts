// A reader's own data pages: erase, confirmed by a button (a GET changes nothing), and done.
import { html } from '../html.ts';
import { layout } from './layout.ts';
import { actionForm } from './subscription.ts';

export function erasePromptPage(token: string, address: string): string {
  return layout(
    'Erase me',
    html`<h1>Erase everything about you?</h1>
      <div class="card">
        <p>
          We delete <strong>${address}</strong>, your subscription's history, what we sent you and everything else tied to you. It cannot be
          undone. <a href="/my-data?token=${token}">Download your data</a> first if you want a copy.
        </p>
        ${actionForm('/erase', token, 'Erase me for good')}
      </div>`,
  );
}

export function erasedPage(): string {
  return layout(
    'Erased',
    html`<h1>You’re erased</h1>
      <div class="card" role="status">
        <p>Your address and everything tied to it are gone. You will get no more emails from Paperboy.</p>
      </div>`,
  );
}
