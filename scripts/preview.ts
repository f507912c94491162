// `npm run preview`: renders the digest exactly as an edition freezes it and screenshots it in Debian's
// headless Chromium at 375 px (a phone) and 1200 px (a desktop client), light and dark, into docs/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { EditionPaper } from '../src/digest/digest-view.ts';
import { snapshotPapers } from '../src/digest/edition.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { parseDailyPapers } from '../src/papers/listing.ts';
import { ROOT } from '../src/paths.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, 'docs');

/** The ten most upvoted papers of the demo fixture: the real Daily Papers capture, LaTeX and all. */
function demoPapers(): EditionPaper[] {
  const listing = parseDailyPapers(readFileSync(join(ROOT, 'fixtures', 'daily-papers-demo.json'), 'utf8'));
  const ranked = [...listing.papers]
    .sort((a, b) => b.upvotes - a.upvotes || a.externalId.localeCompare(b.externalId))
    .slice(0, 10)
    .map((paper, index) => ({ ...paper, id: index + 1, upvotesLast24h: 0, score: 0 }));
  return snapshotPapers(ranked);
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`preview: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`\n`);
    process.exit(1);
  }
  const papers = demoPapers();
  const edition = await renderEdition({ PUBLIC_URL: 'https://paperboy.example' }, '2026-11-28', papers);
  const html = edition.htmlTemplate.replaceAll(UNSUBSCRIBE_PLACEHOLDER, 'https://paperboy.example/unsubscribe?token=example');
  mkdirSync(OUT, { recursive: true });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    for (const [width, scheme] of [
      [375, 'light'],
      [1200, 'light'],
      [375, 'dark'],
    ] as const) {
      const page = await browser.newPage({ viewport: { width, height: 800 }, colorScheme: scheme, deviceScaleFactor: 1 });
      // Offline on purpose: an email must not need the network to look right.
      await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      await page.setContent(html, { waitUntil: 'load' });
      const file = join(OUT, `digest-${width}${scheme === 'dark' ? '-dark' : ''}.png`);
      await page.screenshot({ path: file, fullPage: true });
      process.stdout.write(`preview: ${file}\n`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

await main();
