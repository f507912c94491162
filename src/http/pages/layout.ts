import { html, trusted, type SafeHtml } from '../html.ts';

const STYLE = `
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5f6368;--bg:#fafaf7;--card:#fff;--accent:#b4461f;--on-accent:#fff;--error:#b3261e;--line:#e6e2da}
@media (prefers-color-scheme:dark){:root{--fg:#eceae6;--muted:#a7a39b;--bg:#171614;--card:#201f1c;--accent:#f0875f;--on-accent:#1d1d1f;--error:#ff8a80;--line:#35322d}}
*{box-sizing:border-box}body{margin:0;font:17px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:40rem;margin:0 auto;padding:2.5rem 1.25rem}
h1{font-size:1.75rem;line-height:1.2;margin:.2rem 0 1rem}a{color:var(--accent)}
.brand{font-weight:700;letter-spacing:.02em;color:var(--accent);text-decoration:none}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.5rem;margin:1.25rem 0}.card>:first-child{margin-top:0}.card>:last-child{margin-bottom:0}
label{display:block;font-weight:600;margin-bottom:.35rem}
input[type=email],input[type=text],select,textarea{width:100%;font:inherit;padding:.7rem .8rem;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--fg)}
button{font:inherit;font-weight:600;padding:.7rem 1.2rem;border:0;border-radius:8px;background:var(--accent);color:var(--on-accent);cursor:pointer;margin-top:.8rem}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.muted{color:var(--muted);font-size:.92rem}.error{color:var(--error);font-weight:600;margin:.2rem 0 .5rem}[aria-invalid=true]{border-color:var(--error)!important}
.prefs label{margin-top:.9rem}.prefs label.inline{font-weight:400;margin:.2rem 0}.prefs input[type=radio],.prefs input[type=checkbox]{margin-right:.4rem}
fieldset{border:0;padding:0;margin:0}legend{font-weight:600;margin-bottom:.35rem}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
pre{white-space:pre-wrap;word-break:break-word;font-size:.85rem}
`;

/**
 * The page shell every HTML page shares: small, readable on a phone and in dark mode, and without JavaScript but
 * for the operator console's charts (`head`: its self-served script and style links).
 */
export function layout(title: string, body: SafeHtml, options: { wide?: boolean; head?: SafeHtml } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Paperboy</title>
<link rel="alternate" type="application/atom+xml" title="Paperboy: trending research papers" href="/feed.xml">
<link rel="alternate" type="application/feed+json" title="Paperboy: trending research papers" href="/feed.json">
<style>${trusted(STYLE)}</style>
${options.head ?? ''}
</head>
<body>
<main${options.wide ? trusted(' style="max-width:72rem"') : ''}>
<a class="brand" href="/">Paperboy</a>
${body}
</main>
</body>
</html>
`.value;
}
