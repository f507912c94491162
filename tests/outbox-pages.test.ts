// The development outbox's pure parts: the preview's links open in a new tab, times read as a person says them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { previewHtml, readableTime } from '../src/http/routes/outbox.ts';

test('every link of a previewed message opens in a new tab', () => {
  assert.equal(previewHtml('<html><head><title>x</title></head><body></body></html>').match(/<base target="_blank">/g)?.length, 1);
  assert.match(previewHtml('<html><head lang="en"><title>x</title>'), /^<html><head lang="en"><base target="_blank"><title>/);
  assert.match(previewHtml('<p>no head</p>'), /^<base target="_blank"><p>/);
  assert.ok(!previewHtml('<html><header>x</header></html>').includes('<header><base'), '<header> is not <head>');
});

test('outbox times say how long ago, then when', () => {
  const at = new Date('2026-12-01T21:49:13Z');
  assert.equal(readableTime(at, new Date('2026-12-01T21:49:40Z')), 'just now · 1 Dec, 21:49:13 UTC');
  assert.equal(readableTime(at, new Date('2026-12-01T21:54:13Z')), '5 min ago · 1 Dec, 21:49:13 UTC');
  assert.equal(readableTime(at, new Date('2026-12-02T00:49:13Z')), '3 h ago · 1 Dec, 21:49:13 UTC');
  assert.equal(readableTime(at, new Date('2026-12-04T21:49:13Z')), '3 d ago · 1 Dec, 21:49:13 UTC');
});
