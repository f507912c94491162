import { html } from '../../html.ts';
import { adminPage } from './shell.ts';

export function loginPage(csrf: string, error?: string): string {
  return adminPage(
    'Log in',
    html`<h1>Operator's console</h1>
      <form class="card" method="post" action="/admin/login">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          autofocus
          ${error ? html`aria-invalid="true" aria-describedby="login-error"` : ''}
        />
        ${error ? html`<p class="error" id="login-error">${error}</p>` : ''}
        <button>Log in</button>
      </form>`,
  );
}
