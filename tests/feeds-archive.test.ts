// The feeds and the web archive: what someone who never subscribed sees of the editions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as parse5 from 'parse5';
import { xml2js, type Element } from 'xml-js';
import { insertEdition, type EditionPaper } from '../src/db/editions.ts';
import { snapshotPapers } from '../src/digest/edition.ts';
import { renderEdition } from '../src/digest/render.ts';
import { buildApp } from '../src/http/app.ts';
import { cachedSubscribePage } from '../src/http/edition-sample.ts';
import { ingestListing } from '../src/papers/ingest.ts';
import { parseDailyPapers } from '../src/papers/listing.ts';
import { ROOT } from '../src/paths.ts';
import { createTestContext, type TestContext } from './support/services.ts';

const ATOM = 'http://www.w3.org/2005/Atom';
/** Inserted out of order on purpose: the feeds and the pager order by date, not by insertion. */
const DATES = ['2026-11-27', '2026-11-28', '2026-11-26'];

const RESPONSE = readFileSync(join(ROOT, 'tests', 'fixtures', 'daily-papers-response.json'), 'utf8');

/** The response as it might have been on another day: same papers under other ids (a paper is in one edition only). */
function responseOfDay(index: number): string {
  return RESPONSE.replaceAll('"2512.', `"${2512 - index}.`).replaceAll('papers/2512.', `papers/${2512 - index}.`);
}

/** That day's papers (stored, with their ids), rotated by `offset` so each edition leads with another one. */
function responsePapers(ids: Map<string, number>, index: number, offset: number): EditionPaper[] {
  const { papers } = parseDailyPapers(responseOfDay(index));
  const rotated = [...papers.slice(offset), ...papers.slice(0, offset)];
  return snapshotPapers(rotated.map((paper) => ({ ...paper, id: ids.get(paper.externalId)!, upvotesLast24h: 3, score: 0 })));
}

let context: TestContext;
let app: Awaited<ReturnType<typeof buildApp>>;
before(async () => {
  context = await createTestContext('feeds-archive');
  const { pool } = context.services;
  for (const index of DATES.keys()) await ingestListing(pool, responseOfDay(index), { observedAt: new Date() });
  const { rows } = await pool.query<{ id: number; externalId: string }>('SELECT id, external_id AS "externalId" FROM papers');
  const ids = new Map(rows.map((row) => [row.externalId, row.id]));
  for (const [index, date] of DATES.entries()) {
    const papers = responsePapers(ids, index, index * 3);
    const rendered = await renderEdition(context.env, date, papers);
    await insertEdition(context.services.pool, { editionDate: date, papers, ...rendered });
  }
  app = await buildApp(context.services);
});
after(async () => {
  await app?.close();
  await context?.close();
});

function children(element: Element, name: string): Element[] {
  return (element.elements ?? []).filter((child) => child.type === 'element' && child.name === name);
}
function textOf(element: Element | undefined): string {
  return (element?.elements ?? []).map((child) => child.text ?? child.cdata ?? '').join('');
}

test('GET /feed.xml is a valid Atom feed of the editions, newest first, each entry carrying its papers', async () => {
  const response = await app.inject({ url: '/feed.xml' });
  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-type'] as string, /^application\/atom\+xml/);
  // xml-js parses with sax in strict mode: a malformed document throws.
  const document = xml2js(response.body, { compact: false }) as Element;
  const [feed] = children(document, 'feed');
  assert.ok(feed, 'the root element is <feed>');
  assert.equal(feed.attributes?.xmlns, ATOM);
  // RFC 4287 §4.1.1: a feed has exactly one id, title and updated, an author (or every entry has one).
  for (const required of ['id', 'title', 'updated', 'author']) assert.equal(children(feed, required).length, 1, `feed/${required}`);
  assert.ok(children(feed, 'link').some((link) => link.attributes?.rel === 'self' && String(link.attributes.href).endsWith('/feed.xml')));
  assert.ok(!Number.isNaN(Date.parse(textOf(children(feed, 'updated')[0]))));
  const entries = children(feed, 'entry');
  assert.equal(entries.length, 3);
  const links = entries.map((entry) => String(children(entry, 'link')[0]?.attributes?.href));
  assert.deepEqual(
    links,
    ['2026-11-28', '2026-11-27', '2026-11-26'].map((date) => new URL(`/editions/${date}`, context.env.PUBLIC_URL).toString()),
  );
  for (const entry of entries) {
    // §4.1.2: an entry has exactly one id, title and updated; its content here is HTML.
    for (const required of ['id', 'title', 'updated']) assert.equal(children(entry, required).length, 1, `entry/${required}`);
    assert.match(textOf(children(entry, 'id')[0]), /^https?:\/\//);
    const [content] = children(entry, 'content');
    assert.equal(content?.attributes?.type, 'html');
    const html = textOf(content);
    assert.equal(html.match(/<li>/g)?.length, 10, 'the edition’s papers');
    assert.match(html, /href="https:\/\/huggingface\.co\/papers\/25\d\d\.\d+"/);
    assert.ok(!/\$|\\[a-z]+\{/.test(html), 'no raw LaTeX');
  }
  assert.match(textOf(children(entries[0]!, 'title')[0]), /^Saturday, 28 November 2026: 10 trending papers$/);
});

test('GET /feed.json is a JSON Feed with the required fields, newest first', async () => {
  const response = await app.inject({ url: '/feed.json' });
  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-type'] as string, /^application\/feed\+json/);
  const feed = JSON.parse(response.body) as {
    version: string;
    title: string;
    feed_url: string;
    home_page_url: string;
    items: { id: string; url: string; title: string; content_html: string; date_published: string }[];
  };
  assert.match(feed.version, /^https:\/\/jsonfeed\.org\/version\/1(\.1)?$/);
  assert.ok(feed.title);
  assert.ok(feed.feed_url.endsWith('/feed.json'));
  assert.deepEqual(
    feed.items.map((item) => item.url.slice(-10)),
    ['2026-11-28', '2026-11-27', '2026-11-26'],
  );
  for (const item of feed.items) {
    assert.ok(item.id && item.content_html.includes('huggingface.co/papers/'), 'each item has an id and its papers');
    assert.ok(!Number.isNaN(Date.parse(item.date_published)));
  }
});

interface Node {
  nodeName: string;
  value?: string;
  childNodes?: Node[];
  attrs?: { name: string; value: string }[];
}
function parseHtml(body: string): Node {
  return parse5.parse(body) as unknown as Node;
}
function all(node: Node, name: string, found: Node[] = []): Node[] {
  if (node.nodeName === name) found.push(node);
  for (const child of node.childNodes ?? []) all(child, name, found);
  return found;
}
function attr(node: Node, name: string): string | undefined {
  return node.attrs?.find((a) => a.name === name)?.value;
}
function text(node: Node): string {
  if (node.nodeName === '#text') return node.value ?? '';
  return (node.childNodes ?? []).map(text).join('');
}

test('an edition’s page is headed by its date, links the editions before and after, and asks to subscribe first', async () => {
  const response = await app.inject({ url: '/editions/2026-11-27' });
  assert.equal(response.statusCode, 200);
  const document = parseHtml(response.body);
  assert.equal(text(all(document, 'h1')[0]!), 'Friday, 27 November 2026');
  assert.ok(!response.body.includes('Today'), 'a past day is not "today"');
  const anchors = all(document, 'a');
  assert.equal(
    attr(
      anchors.find((a) => attr(a, 'rel') === 'prev')!,
      'href',
    ),
    '/editions/2026-11-26',
  );
  assert.equal(
    attr(
      anchors.find((a) => attr(a, 'rel') === 'next')!,
      'href',
    ),
    '/editions/2026-11-28',
  );
  const form = response.body.indexOf('action="/subscribe"');
  assert.ok(form > 0 && form < response.body.indexOf('<article'), 'the subscribe box comes before the papers');
  assert.equal(all(document, 'article').length, 10);
  for (const article of all(document, 'article')) {
    const title = all(article, 'h2')[0]!;
    assert.match(attr(all(title, 'a')[0]!, 'href')!, /^https:\/\/huggingface\.co\/papers\/25\d\d\.\d+$/);
  }
  const first = await app.inject({ url: '/editions/2026-11-26' });
  assert.ok(!first.body.includes('rel="prev"'), 'the first edition has no previous');
  const last = await app.inject({ url: '/editions/2026-11-28' });
  assert.ok(!last.body.includes('rel="next"'), 'the latest edition has no next');
});

test('/editions lists each edition with its date and top titles, as text', async () => {
  const response = await app.inject({ url: '/editions' });
  assert.equal(response.statusCode, 200);
  const document = parseHtml(response.body);
  const dates = all(document, 'a')
    .map((a) => attr(a, 'href'))
    .filter((href) => href?.startsWith('/editions/'));
  assert.deepEqual(dates, ['/editions/2026-11-28', '/editions/2026-11-27', '/editions/2026-11-26']);
  assert.ok(response.body.includes('Saturday, 28 November 2026'));
  // The 2026-11-28 edition leads with the fixture's 4th paper, A$^2$Search, rendered as text.
  assert.ok(response.body.includes('A²Search: Ambiguity-Aware Question Answering'));
  assert.ok(!response.body.includes('A$^2$'));
});

test('every page links the feeds, and the subscribe page shows the latest edition as its sample', async () => {
  const response = await app.inject({ url: '/' });
  assert.equal(response.statusCode, 200);
  const document = parseHtml(response.body);
  const alternates = all(document, 'link').filter((link) => attr(link, 'rel') === 'alternate');
  assert.deepEqual(alternates.map((link) => [attr(link, 'type'), attr(link, 'href')]).sort(), [
    ['application/atom+xml', '/feed.xml'],
    ['application/feed+json', '/feed.json'],
  ]);
  assert.ok(response.body.includes('href="/editions/2026-11-28"'), 'a link to the latest edition');
  assert.equal(all(document, 'article').length, 3, 'its top three papers');
  assert.match(text(document), /What arrives: the edition of Saturday, 28 November 2026/);
  for (const url of ['/editions', '/editions/2026-11-28']) {
    const page = await app.inject({ url });
    assert.ok(page.body.includes('<link rel="alternate" type="application/atom+xml"'), `${url} links the feed`);
  }
});

test('the subscribe page looks the latest edition up at most once a minute, and without a database still serves the form', async () => {
  let lookups = 0;
  let failing = false;
  let clock = 0;
  const db = {
    query: async () => {
      lookups += 1;
      if (failing) throw new Error('database away');
      return { rows: [] };
    },
  } as unknown as Parameters<typeof cachedSubscribePage>[0];
  const page = cachedSubscribePage(db, 60_000, () => clock);
  await page();
  await page();
  clock = 59_999;
  await page();
  assert.equal(lookups, 1, 'one lookup within the minute');
  clock = 60_000;
  failing = true;
  const fallback = await page();
  assert.equal(lookups, 2);
  assert.match(fallback, /action="\/subscribe"/, 'the form is served without a sample');
  failing = false;
  await page();
  assert.equal(lookups, 3, 'a failed lookup is retried on the next request');
});
