// The email itself, rendered once per edition and filled per reader: pure functions, no services.
import { httpUrl } from '../src/text/url.ts';
import assert from 'node:assert/strict';
import { exampleReaderLinks } from './support/digest.ts';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { formatAuthors, formatVotes, paperView, type EditionPaper } from '../src/digest/digest-view.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { assembleDigest, assembleEncodedDigest } from '../src/digest/assemble.ts';
import { createDigestMessageFactory, createJoinedMessages } from '../src/mail/digest-message.ts';
import { createDkimSigner } from '../src/mail/dkim.ts';
import { renderEmail } from '../src/mail/templates.ts';
import { parseDailyPapers } from '../src/papers/listing.ts';
import { ROOT } from '../src/paths.ts';
import { latexToText } from '../src/text/latex.ts';
import { snapshotPapers } from '../src/digest/edition.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as parse5 from 'parse5';

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
    slot: exampleReaderLinks,
    email: 'reader@example.org',
    messageId: '<edition-2026-11-28.s1@paperboy.example>',
    unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=' + 'x'.repeat(60),
  });
  assert.ok(Buffer.byteLength(edition.htmlTemplate) < 102 * 1024, `HTML is ${Buffer.byteLength(edition.htmlTemplate)} bytes`);
  assert.ok(Buffer.byteLength(raw) < 102 * 1024, `the message is ${Buffer.byteLength(raw)} bytes`);
  const parsed = await simpleParser(raw);
  for (let rank = 1; rank <= 10; rank += 1) {
    assert.ok((parsed.html as string).includes(`<a href="https://huggingface.co/papers/2611.${rank}"`), `paper ${rank} links to its page`);
  }
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
    slot: exampleReaderLinks,
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
    slot: exampleReaderLinks,
    email: 'reader@example.org',
    messageId: '<m@paperboy.example>',
    unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=t',
  });
  assert.match(raw, /^Subject: .*=\?UTF-8\?Q\?/m);
  const parsed = await simpleParser(raw);
  assert.equal(parsed.subject, '28 Nov — Über “quoted” naïve Bayes — 数学');
});

test('votes say what is known: the total, and the day’s growth only when there was some', () => {
  assert.equal(formatVotes(64, 41), '▲ 64 upvotes · +41 today');
  assert.equal(formatVotes(1, undefined), '▲ 1 upvote', 'an edition frozen before growth was recorded says nothing of it');
  assert.equal(formatVotes(12, 0), '▲ 12 upvotes', 'never "+0"');
  assert.equal(formatVotes(0, null), 'no upvotes yet');
  assert.equal(formatVotes(1234, 1200), '▲ 1,234 upvotes · +1,200 today');
});

/** A Daily Papers API response (tests/fixtures/daily-papers-response.json): titles and abstracts of the demo capture,
 * markup and all, with arXiv-style ids, AI summaries on most entries and none on a few. */
function responsePapers(): EditionPaper[] {
  const listing = parseDailyPapers(readFileSync(join(ROOT, 'tests', 'fixtures', 'daily-papers-response.json'), 'utf8'));
  assert.equal(listing.rejected.length, 0);
  // Half the papers carry the day's growth; the others are as an edition frozen before it was recorded keeps them.
  const frozen = snapshotPapers(
    listing.papers.map((paper, index) => ({ ...paper, id: index + 1, upvotesLast24h: Math.floor(paper.upvotes / 2), score: 0 })),
  );
  return frozen.map((paper, index) => {
    if (index % 2 === 0) delete paper.upvotesLast24h;
    return paper;
  });
}

const RAW_MARKUP = [/\$/, /\\[a-zA-Z]+/, /(?<![\p{L}\p{N}*])\*(?=\S)[^*]+?(?<=\S)\*(?![\p{L}\p{N}*])/u, /(^|\s)%(\s|$)/, /[_^]\{/];

test('the digest built from a Daily Papers response shows every paper’s link, TL;DR and votes, as text without markup', async () => {
  const papers = responsePapers();
  const edition = await renderEdition(env, '2026-11-28', papers);
  const raw = factoryFor(edition).build({
    slot: exampleReaderLinks,
    email: 'reader@example.org',
    messageId: '<m@paperboy.example>',
    unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=' + 'x'.repeat(80),
  });
  const parsed = await simpleParser(raw);
  const html = parsed.html as string;
  const text = parsed.text!;
  const document = parse5.parse(html);
  const visible = textContent(document);
  const hrefs = anchors(document);

  assert.match(html, /<html[^>]* lang="en"/);
  assert.ok(!/fonts\.googleapis|@import|<link[^>]+stylesheet/i.test(html), 'no web fonts');
  assert.match(visible, /The 10 papers rising fastest on Hugging Face/);
  assert.ok(
    hrefs.some((link) => link.href === 'https://huggingface.co/papers'),
    'the source is credited with a link',
  );
  assert.ok(
    hrefs.some((link) => link.href === 'https://paperboy.example/feed.xml'),
    'the footer links the feed',
  );

  for (const paper of papers) {
    const view = paperView(paper);
    const page = `https://huggingface.co/papers/${paper.externalId}`;
    assert.ok(view.tldr.length > 20, `paper ${paper.rank} has a TL;DR`);
    const title = hrefs.find((link) => link.text.includes(view.title));
    assert.equal(title?.href, page, `the title of paper ${paper.rank} links to its Hugging Face page`);
    assert.ok(
      hrefs.some((link) => link.href === `https://arxiv.org/pdf/${paper.externalId}`),
      `paper ${paper.rank} has its PDF`,
    );
    for (const [part, body] of [
      ['html', visible],
      ['text', text.replace(/\s+/g, ' ')],
    ] as const) {
      assert.ok(body.includes(view.tldr), `${part}: the TL;DR of paper ${paper.rank}`);
      assert.ok(body.includes(view.votes), `${part}: the votes of paper ${paper.rank}`);
      assert.ok(body.includes(view.title), `${part}: the title of paper ${paper.rank}`);
    }
    assert.ok(text.includes(page), `text: the link of paper ${paper.rank}`);
    if (paper.aiSummary) assert.ok(view.tldr.startsWith(latexToText(paper.aiSummary).slice(0, 30)), 'the AI summary is the TL;DR');
  }
  assert.ok(!/\+0 today/.test(visible + text), 'missing growth is never "+0"');
  assert.match(visible, /▲ 41 upvotes · \+20 today/);
  for (const markup of RAW_MARKUP) {
    assert.ok(!markup.test(visible), `no ${markup} in the HTML's text: ${markup.exec(visible)?.[0]}`);
    assert.ok(!markup.test(text), `no ${markup} in the text part: ${markup.exec(text)?.[0]}`);
  }
  for (const field of [parsed.subject!, edition.subject]) assert.ok(!RAW_MARKUP.some((markup) => markup.test(field)), field);
  assert.ok(previewOf(html).length > 20 && !/\$|\\[a-z]/.test(previewOf(html)), 'the preheader is text');
  assert.ok(!/display:none[^"]*color:/i.test(html), 'the preheader is hidden, not painted in the background colour');
});

test('the text part is wrapped at 72 with one link per line and a "-- " signature', async () => {
  const edition = await renderEdition(env, '2026-11-28', responsePapers());
  const unsubscribe = 'https://paperboy.example/unsubscribe?token=' + 'x'.repeat(80);
  const text = edition.textTemplate.replaceAll(UNSUBSCRIBE_PLACEHOLDER, unsubscribe);
  const lines = text.split('\n');
  for (const line of lines) {
    const bareUrl = /^\s*(\S+: )?https?:\/\/\S+$/.test(line) && !/\s\S+\s/.test(line.trim().replace(/^\S+: /, ''));
    if (!bareUrl) assert.ok([...line].length <= 72, `line of ${[...line].length}: "${line}"`);
    assert.ok((line.match(/https?:\/\//g) ?? []).length <= 1, `one link per line: "${line}"`);
    assert.ok(line.length <= 78 || /^\s*https?:\/\/\S+$/.test(line), `only a bare URL may pass 78: "${line}"`);
  }
  assert.ok(lines.includes(unsubscribe), 'the unsubscribe URL has a line of its own');
  assert.equal(lines.filter((line) => line === '-- ').length, 1, 'one signature separator, with its space');
  assert.ok(lines.indexOf('-- ') > lines.findIndex((line) => line.includes('huggingface.co/papers/')), 'after the papers');
  // Hanging indent: a title's second line starts under its first word.
  const second = lines.findIndex((line) => line.startsWith(' 1. ')) + 1;
  assert.match(lines[second]!, /^ {4}\S/);
});

test('the confirmation email loads no web fonts and has a "-- " signature', async () => {
  const { html, text } = await renderEmail('confirm', {
    confirmUrl: 'https://paperboy.example/confirm?token=t',
    ttlDescription: '48 hours',
    homeUrl: 'https://paperboy.example/',
    kicker: '',
    heading: 'Confirm your subscription',
    reason: 'You get this email because this address was entered on Paperboy.',
    browserUrl: '',
    unsubscribeUrl: '',
  });
  assert.ok(!/fonts\.googleapis|@import/i.test(html), 'no Google Fonts');
  assert.match(html, /<html[^>]* lang="en"/);
  assert.ok(text.split('\n').includes('-- '));
  assert.match(previewOf(html), /One click/);
  assert.ok(!/display:none[^"]*color:/i.test(html), 'the preheader is hidden, not painted in the background colour');
});

function previewOf(html: string): string {
  return /<div style="display:none[^"]*">([^<]*)<\/div>/.exec(html)?.[1] ?? '';
}

type Node = { nodeName: string; value?: string; childNodes?: Node[]; attrs?: { name: string; value: string }[] };

function textContent(node: Node): string {
  if (node.nodeName === '#text') return node.value ?? '';
  if (node.nodeName === 'style' || node.nodeName === 'title' || node.nodeName === 'head') return '';
  return (node.childNodes ?? []).map(textContent).join(' ').replace(/\s+/g, ' ');
}

function anchors(node: Node, found: { href: string; text: string }[] = []): { href: string; text: string }[] {
  if (node.nodeName === 'a')
    found.push({ href: node.attrs?.find((attr) => attr.name === 'href')?.value ?? '', text: textContent(node).trim() });
  for (const child of node.childNodes ?? []) anchors(child, found);
  return found;
}

test('a personal digest joined from blocks encoded once per edition reads exactly as the one assembled whole, and verifies signed', async () => {
  const pool = Array.from({ length: 14 }, (_, index) => paper(index + 1, index === 3 ? { title: 'Tabs\tand  spaces   and café ' } : {}));
  const edition = await renderEdition(env, '2026-11-28', pool.slice(0, 10), pool);
  // Another order, lines of why (one long enough to wrap, one with markup), fewer papers than the shared digest.
  const placed = [14, 2, 4, 9, 1, 12, 7, 3].map((paperId, index) => ({
    paperId,
    ...(index % 3 !== 2 && { why: index === 0 ? `you liked “${'A long title of a paper '.repeat(5)}”` : `matches <b>diffusion</b> & co` }),
  }));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dkim = createDkimSigner({ domainName: 'paperboy.example', keySelector: 'pb', privateKey });
  const sender = { from: 'Paperboy <digest@paperboy.example>' };
  const reader = {
    email: 'reader@example.org',
    messageId: '<m1@paperboy.example>',
    unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=a&b="c"',
    slot: exampleReaderLinks,
  };
  const date = new Date('2026-11-28T07:00:00Z');
  const whole = createDigestMessageFactory(
    { editionDate: '2026-11-28', ...assembleDigest(edition.kit, '2026-11-28', placed) },
    sender,
    UNSUBSCRIBE_PLACEHOLDER,
  ).build(reader, date);
  const joinedTemplate = { editionDate: '2026-11-28', ...assembleEncodedDigest(edition.kit, '2026-11-28', placed) };
  const joined = createJoinedMessages(sender, UNSUBSCRIBE_PLACEHOLDER)(joinedTemplate).build(reader, date);
  const [a, b] = await Promise.all([simpleParser(whole), simpleParser(joined)]);
  assert.equal(b.subject, a.subject);
  assert.equal(b.text, a.text);
  assert.equal(b.html, a.html);
  assert.match(b.text ?? '', /you liked “A long title/);
  assert.ok((b.html || '').includes('matches &lt;b&gt;diffusion&lt;/b&gt; &amp; co'));
  // Quoted-printable lines stay within 76 characters, block boundaries included.
  assert.ok(joined.split('\r\n').every((line) => line.length <= 76 || /^[A-Za-z-]+:/.test(line)));

  // Signed: the same bytes plus one signature, which an independent verifier accepts.
  const signed = createJoinedMessages(sender, UNSUBSCRIBE_PLACEHOLDER, dkim)(joinedTemplate).build(reader, date);
  assert.equal(signed.replace(/^DKIM-Signature:.*?\r\n(?![ \t])/s, ''), joined);
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const { results } = await dkimVerify(signed, { resolver: async () => [[record]] });
  assert.deepEqual(
    results.map((entry: { status: { result: string } }) => entry.status.result),
    ['pass'],
  );
});
