// The email itself, rendered once per edition and filled per reader: pure functions, no services.
import { httpUrl } from '../src/text/url.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { abstractExcerpt, formatAuthors, type EditionPaper } from '../src/digest/digest-view.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { createDigestMessageFactory } from '../src/mail/digest-message.ts';

const env = { PUBLIC_URL: 'https://paperboy.example' };

function paper(rank: number, overrides: Partial<EditionPaper> = {}): EditionPaper {
  return {
    rank,
    id: rank,
    externalId: `2611.${rank}`,
    // Long, realistic fields: the size test must hold for the worst day, not a light one.
    title: `Scaling sparse mixture-of-experts transformers to ${rank}0 trillion tokens with stable, reproducible training recipes`,
    abstract: 'We present $\\mathcal{O}(n \\log n)$ attention with provable bounds. '.repeat(40),
    authors: Array.from({ length: 30 }, (_, index) => `Author Number${index}`),
    url: `https://arxiv.org/abs/2611.${10000 + rank}`,
    codeUrl: `https://github.com/example/a-rather-long-repository-name-${rank}`,
    projectUrl: `https://example.org/projects/${rank}`,
    githubStars: 12345,
    upvotes: 500 - rank,
    score: 1,
    ...overrides,
  };
}

function factoryFor(edition: Awaited<ReturnType<typeof renderEdition>>) {
  return createDigestMessageFactory(
    { editionDate: '2026-11-28', ...edition },
    { from: 'Paperboy <digest@paperboy.example>' },
    UNSUBSCRIBE_PLACEHOLDER,
  );
}

test('authors: the first few, then et al.', () => {
  assert.equal(formatAuthors(['A', 'B']), 'A, B');
  assert.equal(formatAuthors(['A', 'B', 'C', 'D']), 'A, B, C, D');
  assert.equal(formatAuthors(['A', 'B', 'C', 'D', 'E']), 'A, B, C et al.');
  assert.equal(formatAuthors([]), 'Anonymous authors');
});

test('the abstract excerpt is short, ends on a word and never cuts a formula in half', () => {
  const short = 'A short abstract.';
  assert.equal(abstractExcerpt(short), short);
  const long = 'word '.repeat(100);
  const excerpt = abstractExcerpt(long);
  assert.ok(excerpt.length <= 281 && excerpt.endsWith('word…'));
  const formula = `${'x '.repeat(130)}then $\\sum_{i=1}^{n} \\alpha_i \\beta_i + \\gamma$ and more text after it`;
  const cut = abstractExcerpt(formula, 270);
  assert.equal((cut.match(/\$/g) ?? []).length % 2, 0, `no unbalanced $ in "${cut}"`);
});

test('only http(s) links reach the email', () => {
  assert.equal(httpUrl('javascript:alert(1)'), null);
  assert.equal(httpUrl('data:text/html,hi'), null);
  assert.equal(httpUrl('not a url'), null);
  assert.equal(httpUrl('https://arxiv.org/abs/1'), 'https://arxiv.org/abs/1');
});

test('a 10-paper digest with long fields stays under Gmail’s 102 KB clipping limit, as HTML and as a whole message', async () => {
  const edition = await renderEdition(
    env,
    '2026-11-28',
    Array.from({ length: 10 }, (_, index) => paper(index + 1)),
  );
  const raw = factoryFor(edition).build({
    email: 'reader@example.org',
    messageId: '<edition-2026-11-28.s1@paperboy.example>',
    unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=' + 'x'.repeat(60),
  });
  assert.ok(Buffer.byteLength(edition.htmlTemplate) < 102 * 1024, `HTML is ${Buffer.byteLength(edition.htmlTemplate)} bytes`);
  assert.ok(Buffer.byteLength(raw) < 102 * 1024, `the message is ${Buffer.byteLength(raw)} bytes`);
  const parsed = await simpleParser(raw);
  assert.equal((parsed.html as string).match(/Read the paper/g)?.length, 10);
  const [head, ...body] = raw.split('\r\n\r\n');
  assert.ok(
    head!.split('\r\n').every((line) => line.length <= 998),
    'header lines within RFC 5322’s limit',
  );
  assert.ok(
    body
      .join('\r\n\r\n')
      .split('\r\n')
      .every((line) => line.length <= 76),
    'quoted-printable lines of at most 76 characters',
  );
});

test('hostile paper titles, authors and abstracts are escaped: no injected element in the email', async () => {
  const hostile = paper(1, {
    title: '<script>alert("title")</script><img src=x onerror=alert(1)>',
    authors: ['<b onmouseover=alert(2)>Mallory</b>', 'Eve "><svg onload=alert(3)>'],
    abstract: '</p><iframe src="https://evil.example"></iframe> {{unsubscribeUrl}} %%PAPERBOY',
    url: 'javascript:alert(4)',
    codeUrl: 'https://github.com/x/y" onclick="alert(5)',
  });
  const edition = await renderEdition(env, '2026-11-28', [hostile]);
  const raw = factoryFor(edition).build({
    email: 'reader@example.org',
    messageId: '<m@paperboy.example>',
    unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=t',
  });
  const parsed = await simpleParser(raw);
  const html = parsed.html as string;
  for (const injected of ['<script', '<img src=x', '<b onmouseover', '<svg', '<iframe', 'javascript:', 'onclick="alert']) {
    assert.ok(!html.includes(injected), `"${injected}" must not appear unescaped`);
  }
  assert.ok(html.includes('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;'), 'the title is shown as text');
  assert.ok(parsed.text?.includes('<script>alert("title")</script>'), 'the text part shows it verbatim (text is not HTML)');
  assert.ok(html.includes('href="https://github.com/x/y%22%20onclick'), 'a quote in a URL cannot close the attribute');
});

test('a subject with non-ASCII characters is RFC 2047 encoded and reads back intact', async () => {
  const edition = await renderEdition(env, '2026-11-28', [paper(1, { title: 'Über “quoted” naïve Bayes — 数学' })]);
  const raw = factoryFor(edition).build({
    email: 'reader@example.org',
    messageId: '<m@paperboy.example>',
    unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=t',
  });
  assert.match(raw, /^Subject: .*=\?UTF-8\?Q\?/m);
  const parsed = await simpleParser(raw);
  assert.equal(parsed.subject, '28 Nov — Über “quoted” naïve Bayes — 数学');
});
