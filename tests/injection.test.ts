// Hostile papers, end to end: HTML/JS and CRLF in titles, abstracts, author names and links go in through
// the real ingest, out through the real pipeline to an SMTP server, and onto the archive page. A real HTML
// parser (parse5, as browsers parse) must find no injected element, attribute or link, and the raw message
// no injected header.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { dateIn } from '../src/digest/calendar.ts';
import { enqueueDigest } from '../src/digest/digest-job.ts';
import { buildApp } from '../src/http/app.ts';
import { createDigestMessageFactory } from '../src/mail/digest-message.ts';
import { ingestListing } from '../src/papers/ingest.ts';
import { editionSettled, insertSubscribers, startDigestWorkers, waitFor } from './support/digest.ts';
import { createTestContext, type TestContext } from './support/services.ts';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const SVG = '"><svg onload=alert(1)>';
const BREAKOUT = "'><a href=javascript:alert(1)>click</a>";

/** A Daily Papers listing (the shape `paperboy ingest` reads) whose every free-text field attacks. */
function hostileListing(listedAt: Date): string {
  const at = listedAt.toISOString();
  return JSON.stringify([
    {
      paper: {
        id: '2611.90001',
        title: `${SCRIPT} Attention\r\nBcc: victim@example.org\r\nX-Injected: yes`,
        summary: `${IMG} We study </p><iframe src=javascript:alert(1)></iframe> ${SVG} and {{unsubscribeUrl}} ${BREAKOUT}.`,
        authors: [
          { name: SVG },
          { name: IMG },
          { name: `Mallory\r\nBcc: victim@example.org` },
          { name: '<b onmouseover=alert(1)>Eve</b>' },
        ],
        upvotes: 500,
        submittedOnDailyAt: at,
        githubRepo: 'javascript:alert(document.cookie)',
        projectPage: ' JaVaScRiPt:alert(1)',
      },
    },
    {
      paper: {
        id: `x"><script>alert(2)</script>`,
        title: `<style>*{display:none}</style>${BREAKOUT}`,
        summary: '<a href="javascript:alert(3)">read</a> <form action=https://evil.example><input name=p></form>',
        authors: [{ name: `"onmouseover="alert(4)` }],
        upvotes: 400,
        submittedOnDailyAt: at,
        githubRepo: 'https://github.com/x/y"><script>alert(5)</script>',
        projectPage: 'data:text/html,<script>alert(6)</script>',
      },
    },
  ]);
}

const isElement = (node: Node): node is Element => 'tagName' in node;

function* walk(node: Node): Generator<Node> {
  yield node;
  if ('content' in node && node.content) yield* walk(node.content as Node); // <template>
  if ('childNodes' in node) for (const child of node.childNodes) yield* walk(child);
}

/** What a browser would build from `html`: every element and attribute, and the visible text. */
function inspect(html: string): { elements: Element[]; text: string } {
  const nodes = [...walk(parse(html))];
  const elements = nodes.filter(isElement);
  const text = nodes
    .filter((node): node is DefaultTreeAdapterMap['textNode'] => node.nodeName === '#text')
    .map((node) => node.value)
    .join(' ');
  return { elements, text };
}

function attr(element: Element, name: string): string | undefined {
  return element.attrs.find((a) => a.name === name)?.value;
}

/** No script-capable element, no event handler, no link or source that runs code. */
function assertNothingInjected(html: string, where: string): string {
  const { elements, text } = inspect(html);
  assert.ok(
    elements.some((element) => element.tagName === 'a'),
    `${where}: the parser found the document and its links`,
  );
  // The archive pages' own subscribe box is one form to /subscribe with its two fields; nothing else may be a form.
  const ours = (element: Element) =>
    (element.tagName === 'form' && attr(element, 'action') === '/subscribe') ||
    (element.tagName === 'input' && ['email', 'website'].includes(attr(element, 'name') ?? ''));
  assert.ok(elements.filter((element) => element.tagName === 'form').length <= 1, `${where}: one form at most`);
  for (const element of elements) {
    if (ours(element)) continue;
    assert.ok(
      !['script', 'iframe', 'svg', 'img', 'form', 'input', 'object', 'embed'].includes(element.tagName),
      `${where}: an injected <${element.tagName}> element`,
    );
    for (const { name, value } of element.attrs) {
      assert.ok(!/^on/i.test(name), `${where}: an event handler attribute ${name}="${value}" on <${element.tagName}>`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(name)) {
        assert.match(value.trim(), /^(https?:\/\/|mailto:|\/|#)/i, `${where}: <${element.tagName} ${name}="${value}"> is not a web link`);
      }
    }
  }
  // <style> is MJML's own head CSS; a title's <style> must not become one.
  const styles = elements.filter((element) => element.tagName === 'style');
  assert.ok(
    styles.every((style) => !style.childNodes.some((child) => 'value' in child && String(child.value).includes('display:none'))),
    `${where}: an injected <style>`,
  );
  return text;
}

let context: TestContext;
before(async () => {
  context = await createTestContext('injection');
});
after(() => context.close());

test('HTML, JS and CRLF in ingested papers arrive in the email and on the archive page as text, never as markup or headers', async () => {
  const { pool } = context.database;
  const date = dateIn('UTC');
  const summary = await ingestListing(pool, hostileListing(new Date(Date.now() - 3_600_000)), { observedAt: new Date() });
  assert.deepEqual({ inserted: summary.inserted, rejected: summary.rejected.length }, { inserted: 2, rejected: 0 });
  // Stored as given (escaping happens on the way out, where the context is known), links that are not web links dropped.
  const { rows: stored } = await pool.query(`SELECT title, authors, code_url, project_url FROM papers ORDER BY upvotes DESC`);
  assert.ok(stored[0].title.startsWith(SCRIPT));
  assert.deepEqual(
    stored.map((row) => [row.code_url, row.project_url]),
    [
      [null, null],
      ['https://github.com/x/y%22%3E%3Cscript%3Ealert(5)%3C/script%3E', null],
    ],
  );

  await insertSubscribers(pool, [{ email: 'reader@example.org', status: 'confirmed' }]);
  const workers = startDigestWorkers(context.services);
  try {
    await enqueueDigest(context.services.queues, date);
    assert.deepEqual(await waitFor(() => editionSettled(pool, date), 'the edition to be sent'), { sent: 1 });
  } finally {
    await workers.close();
  }
  assert.equal(context.smtp.messages.length, 1);
  const [message] = context.smtp.messages;
  const { parsed, raw } = message!;

  // Headers: exactly the ones we write, each once; the CRLF in the title became a space in Subject.
  const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
  const names = head
    .split('\r\n')
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
  assert.deepEqual(names.sort(), [
    'auto-submitted',
    'content-type',
    'date',
    'feedback-id',
    'from',
    'list-id',
    'list-unsubscribe',
    'list-unsubscribe-post',
    'message-id',
    'mime-version',
    'precedence',
    'subject',
    'to',
  ]);
  assert.ok(!parsed.headers.has('bcc') && !parsed.headers.has('x-injected'));
  assert.match(parsed.subject!, /^\d{1,2} \w{3} — <script>alert\(1\)<\/script> Attention Bcc: victim@example\.org/);
  assert.ok(!/[\r\n]/.test(parsed.subject!), 'the subject is one line');
  assert.deepEqual(message!.envelopeTo, ['reader@example.org'], 'no extra recipient');

  // The HTML part, parsed as a browser would: nothing injected, every hostile string shown as text.
  const emailText = assertNothingInjected(String(parsed.html), 'email');
  // Titles are read as LaTeX (braces group, and go): the <style> title shows as text, its braces dropped.
  for (const shown of [SCRIPT, IMG, SVG, '<b onmouseover=alert(1)>Eve</b>', '<style>*display:none</style>']) {
    assert.ok(emailText.includes(shown), `the email shows ${shown} as text`);
  }
  assert.ok(!emailText.includes('Bcc: victim@example.org\n'), 'line breaks in a title are collapsed');
  // The plain-text part is not HTML: the strings appear verbatim, and no dangerous link made it in either.
  assert.ok(parsed.text?.includes(SCRIPT));
  // A link is a line of its own, bare or after its label ("PDF: …", "Code ★ 12: …").
  const textLinks = [
    ...parsed.text!.matchAll(
      /^\s*(?:(?:Hugging Face|arXiv|PDF|Code[^:\n]*|Project page|View in browser|RSS feed): )?([a-z][a-z0-9+.-]*:\S+)$/gim,
    ),
  ].map((m) => m[1]!);
  assert.ok(textLinks.length >= 4, 'the text part lists its links');
  for (const link of textLinks) assert.match(link, /^https?:\/\//, `the text part offers only web links, not ${link}`);

  // The archive page ("view in browser"): same papers, same promise.
  const app = await buildApp(context.services);
  try {
    const page = await app.inject({ url: `/editions/${date}` });
    assert.equal(page.statusCode, 200);
    const pageText = assertNothingInjected(page.body, 'archive page');
    for (const shown of [SCRIPT, IMG, SVG, '<b onmouseover=alert(1)>Eve</b>']) {
      assert.ok(pageText.includes(shown), `the archive page shows ${shown} as text`);
    }
    const list = await app.inject({ url: '/editions' });
    assertNothingInjected(list.body, 'archive list');
    // The feeds carry the same papers as HTML a feed reader renders.
    const feed = JSON.parse((await app.inject({ url: '/feed.json' })).body) as { items: { content_html: string }[] };
    const feedText = assertNothingInjected(feed.items[0]!.content_html, 'JSON feed');
    for (const shown of [SCRIPT, IMG, SVG]) assert.ok(feedText.includes(shown), `the feed shows ${shown} as text`);
    const atom = (await app.inject({ url: '/feed.xml' })).body;
    assert.ok(!/<script|<img|<svg/i.test(atom.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '')), 'nothing injected into the Atom document');
    const atomContent = /<content type="html"><!\[CDATA\[([\s\S]*?)\]\]><\/content>/.exec(atom)?.[1] ?? '';
    assertNothingInjected(atomContent, 'Atom feed');
  } finally {
    await app.close();
  }
});

test('the message builder itself refuses header injection: CRLF in the subject or the sender name, or in an address', () => {
  const factory = createDigestMessageFactory(
    {
      editionDate: '2026-11-29',
      subject: 'Hello\r\nBcc: victim@example.org\nX-Injected: yes\rZ: z',
      htmlTemplate: '<p>%%U%%</p>',
      textTemplate: '%%U%%',
    },
    { from: 'Paperboy\r\nBcc: victim@example.org <digest@paperboy.test>' },
    '%%U%%',
  );
  const raw = factory.build({ email: 'reader@example.org', messageId: '<m@paperboy.test>', unsubscribeUrl: 'https://paperboy.test/u?t=1' });
  const head = raw.split('\r\n\r\n')[0]!;
  assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(head), 'no bare CR or LF in the header block');
  const starts = head.split('\r\n').filter((line) => !/^[ \t]/.test(line));
  assert.ok(!starts.some((line) => /^(bcc|x-injected|z):/i.test(line)), `no injected header line in:\n${head}`);
  for (const email of ['reader@example.org\r\nBcc: victim@example.org', 'reader@example.org>\r\n', 'a@b.org,victim@example.org']) {
    assert.throws(
      () => factory.build({ email, messageId: '<m@paperboy.test>', unsubscribeUrl: 'https://paperboy.test/u' }),
      /not allowed in a header/,
    );
  }
});
