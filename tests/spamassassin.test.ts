// What a spam filter makes of our mail: SpamAssassin (Debian's package, offline rules only) scores the digest and the
// confirmation as they are sent. Skipped where spamassassin is not installed (.ci/run installs it).
import assert from 'node:assert/strict';
import { exampleReaderLinks } from './support/digest.ts';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { snapshotPapers } from '../src/digest/edition.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { createDigestMessageFactory } from '../src/mail/digest-message.ts';
import { parseDailyPapers } from '../src/papers/listing.ts';
import { ROOT } from '../src/paths.ts';
import { deriveKeys } from '../src/security/keys.ts';
import { buildConfirmationMessage } from '../src/subscriptions/confirmation-mail.ts';

/** Each message must stay well clear of trouble: 5 is SpamAssassin's spam threshold, we allow a tenth of one point. */
const MAX_SCORE = 0.5;
const installed = spawnSync('spamassassin', ['--version'], { stdio: 'ignore' }).status === 0;
const env = { PUBLIC_URL: 'https://paperboy.example', CONFIRM_TOKEN_TTL_HOURS: 48, MAIL_FROM: 'Paperboy <digest@paperboy.example>' };
// Its own preferences file, so the run writes nothing to the home directory.
const home = mkdtempSync(join(tmpdir(), 'paperboy-sa-'));
after(() => rmSync(home, { recursive: true, force: true }));

interface Verdict {
  score: number;
  rules: string[];
  report: string;
}

/** `spamassassin -L -t`: local tests only (no DNS, no network), the report appended to the message. */
function score(message: Buffer | string): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    const child = spawn('spamassassin', ['-L', '-t', '-p', join(home, 'user_prefs')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', () => {
      const status = /^X-Spam-Status: \w+, score=(-?[\d.]+)[\s\S]*?tests=([^\n]*(?:\n\t[^\n]*)*)/m.exec(out);
      if (!status) return reject(new Error(`no X-Spam-Status in spamassassin's output: ${err}`));
      const report = /Content analysis details:[\s\S]*?\n\n/.exec(out)?.[0] ?? out;
      resolve({
        score: Number(status[1]),
        rules: status[2]!.split(/[\s,]+/).filter((rule) => rule && !rule.startsWith('autolearn')),
        report,
      });
    });
    child.stdin.end(message);
  });
}

async function digestMessage(): Promise<string> {
  const listing = parseDailyPapers(readFileSync(join(ROOT, 'tests', 'fixtures', 'daily-papers-response.json'), 'utf8'));
  const papers = snapshotPapers(
    listing.papers.map((paper, index) => ({ ...paper, id: index + 1, upvotesLast24h: Math.floor(paper.upvotes / 2), score: 0 })),
  );
  const edition = await renderEdition(env, '2026-11-28', papers);
  const factory = createDigestMessageFactory({ editionDate: '2026-11-28', ...edition }, { from: env.MAIL_FROM }, UNSUBSCRIBE_PLACEHOLDER);
  return factory.build({
    slot: exampleReaderLinks,
    email: 'reader@example.org',
    messageId: '<edition-2026-11-28.s1@paperboy.example>',
    unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=' + 'a1B2c3D4'.repeat(8),
  });
}

test('SpamAssassin scores the digest below 0.5', { skip: !installed && 'spamassassin is not installed', timeout: 120_000 }, async () => {
  const verdict = await score(await digestMessage());
  assert.ok(verdict.score < MAX_SCORE, `the digest scores ${verdict.score}:\n${verdict.report}`);
  assert.ok(!verdict.rules.includes('HTML_FONT_LOW_CONTRAST'), 'no text hidden in the background colour');
});

test(
  'SpamAssassin scores the confirmation email below 0.5',
  { skip: !installed && 'spamassassin is not installed', timeout: 120_000 },
  async () => {
    const message = await buildConfirmationMessage(
      env,
      deriveKeys('s'.repeat(40)),
      { publicId: '3f2c9a1e5b7d4c2a8e6f1b3d5c7a9e0f', email: 'reader@example.org' },
      Date.now(),
    );
    const verdict = await score(message);
    assert.ok(verdict.score < MAX_SCORE, `the confirmation scores ${verdict.score}:\n${verdict.report}`);
    assert.ok(!verdict.rules.includes('HTML_FONT_LOW_CONTRAST'), 'no text hidden in the background colour');
  },
);
