// The two smallest guards of every page and email: HTML escaping and "only a web link becomes a link".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml } from '../src/text/html.ts';
import { httpUrl } from '../src/text/url.ts';

test('escapeHtml escapes the five characters that can end a text node or a quoted attribute, every time they occur', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.equal(escapeHtml('&&'), '&amp;&amp;', 'every occurrence, not the first');
  assert.equal(escapeHtml('plain text, é ü'), 'plain text, é ü', 'nothing else changes');
  assert.equal(escapeHtml(undefined), '');
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml(0), '0', 'a falsy number is still shown');
  assert.equal(escapeHtml(42), '42');
});

test('httpUrl keeps absolute http(s) links, normalised, and refuses every other scheme, relative links and blanks', () => {
  assert.equal(httpUrl('https://arxiv.org/abs/1'), 'https://arxiv.org/abs/1');
  assert.equal(httpUrl('http://example.org'), 'http://example.org/', 'normalised by the URL parser');
  assert.equal(httpUrl('  https://example.org/a b  '), 'https://example.org/a%20b', 'trimmed and encoded');
  assert.equal(httpUrl('HTTPS://EXAMPLE.ORG/X'), 'https://example.org/X');
  for (const value of [
    'javascript:alert(1)',
    'data:text/html,hi',
    'ftp://example.org/',
    'mailto:a@example.org',
    '/relative',
    'not a url',
    '',
    null,
    undefined,
  ]) {
    assert.equal(httpUrl(value), null, String(value));
  }
});
