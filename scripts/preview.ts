// `npm run preview`: renders the digest exactly as an edition freezes it, and the edition's archive page, and
// screenshots them in Debian's headless Chromium at 375 px (a phone) and 1200 px (a desktop client), light and
// dark, into docs/. The papers are tests/fixtures/daily-papers-response.json: a Daily Papers API response (the
// demo capture's titles and abstracts, LaTeX and all, with AI summaries); the day's growth is illustrative.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { paperView, type EditionPaper } from '../src/digest/digest-view.ts';
import { snapshotPapers } from '../src/digest/edition.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { editionPage } from '../src/http/pages/edition.ts';
import { parseDailyPapers } from '../src/papers/listing.ts';
import { ROOT } from '../src/paths.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, 'docs');
const DATE = '2026-11-28';

function previewPapers(): EditionPaper[] {
  const listing = parseDailyPapers(readFileSync(join(ROOT, 'tests', 'fixtures', 'daily-papers-response.json'), 'utf8'));
  return snapshotPapers(
    listing.papers.map((paper, index) => ({ ...paper, id: index + 1, upvotesLast24h: Math.round(paper.upvotes * 0.6), score: 0 })),
  );
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`preview: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`\n`);
    process.exit(1);
  }
  const papers = previewPapers();
  const edition = await renderEdition({ PUBLIC_URL: 'https://paperboy.example' }, DATE, papers);
  const pages = {
    digest: edition.htmlTemplate.replaceAll(UNSUBSCRIBE_PLACEHOLDER, 'https://paperboy.example/unsubscribe?token=example'),
    edition: editionPage({ editionDate: DATE, papers: papers.map(paperView), previous: '2026-11-27', next: null }),
  };
  mkdirSync(OUT, { recursive: true });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    for (const [name, html] of Object.entries(pages)) {
      for (const width of [375, 1200]) {
        for (const scheme of ['light', 'dark'] as const) {
          const page = await browser.newPage({ viewport: { width, height: 800 }, colorScheme: scheme, deviceScaleFactor: 1 });
          // Offline on purpose: an email must not need the network to look right.
          await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
          await page.setContent(html, { waitUntil: 'load' });
          const file = join(OUT, `${name}-${width}${scheme === 'dark' ? '-dark' : ''}.png`);
          await page.screenshot({ path: file, fullPage: true });
          const height = await page.evaluate<number>('document.documentElement.scrollHeight');
          process.stdout.write(`preview: ${file} (${height} px tall)\n`);
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
  }
}

await main();
