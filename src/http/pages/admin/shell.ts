// The console's page shell: the public layout, wide, with the console's menu and a logout form.
import { html, type SafeHtml } from '../../html.ts';
import { layout } from '../layout.ts';

const ADMIN_STYLE = html`<style>
  nav.admin {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem 1rem;
    align-items: center;
    margin: 0.6rem 0 1rem;
  }
  nav.admin form {
    margin: 0 0 0 auto;
  }
  nav.admin button {
    margin: 0;
    padding: 0.35rem 0.8rem;
  }
  .grid {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 32rem), 1fr));
    gap: 1rem;
  }
  .chart {
    min-height: 240px;
    overflow: hidden;
  }
  .flag {
    color: var(--error);
    font-weight: 700;
  }
  .ok {
    color: var(--muted);
  }
  input[type='search'],
  input[type='password'] {
    width: 100%;
    font: inherit;
    padding: 0.6rem 0.7rem;
    border: 1px solid var(--line);
    border-radius: 8px;
    background: var(--bg);
    color: var(--fg);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  .actions form {
    margin: 0;
  }
  td.num,
  th.num {
    text-align: right;
  }
  .scroll {
    overflow-x: auto;
  }
  #queues {
    font-size: 0.88rem;
  }
  #queues td,
  #queues th {
    padding: 0.35rem;
  }
  iframe {
    width: 100%;
    height: 70vh;
    border: 1px solid var(--line);
    border-radius: 8px;
    background: #fff;
  }
</style>`;

export function adminPage(title: string, body: SafeHtml, options: { csrf?: string; head?: SafeHtml } = {}): string {
  const nav = options.csrf
    ? html`<nav class="admin">
        <a href="/admin">Dashboard</a><a href="/admin/readers">Readers</a><a href="/admin/suppressions">Suppressions</a
        ><a href="/admin/editions">Editions</a><a href="/admin/queues">Queues</a>
        <form method="post" action="/admin/logout">
          <input type="hidden" name="_csrf" value="${options.csrf}" /><button>Log out</button>
        </form>
      </nav>`
    : '';
  return layout(`${title} · console`, html`${nav}${body}`, { wide: true, head: html`${ADMIN_STYLE}${options.head ?? ''}` });
}

/** A form that posts to the console: every one carries the session's CSRF token. */
export function adminForm(action: string, csrf: string, label: string, fields: SafeHtml | string = ''): SafeHtml {
  return html`<form method="post" action="${action}">
    <input type="hidden" name="_csrf" value="${csrf}" />${fields}<button>${label}</button>
  </form>`;
}

export const when = (date: Date | null | undefined) => (date ? date.toISOString().replace('T', ' ').slice(0, 16) : '');
