// `npm run preview`: renders the digest exactly as an edition freezes it and screenshots it in Debian's
// headless Chromium at 375 px (a phone) and 1200 px (a desktop client), light and dark, into docs/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { EditionPaper } from '../src/digest/digest-view.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { ROOT } from '../src/paths.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, 'docs');

const sample: Omit<EditionPaper, 'rank' | 'id' | 'score'>[] = [
  {
    externalId: '2611.04821',
    title: 'Sparse Mixture-of-Depths: Routing Tokens Past Layers They Do Not Need',
    abstract:
      'We let each token decide, per layer, whether to be processed or to skip ahead. A learned router with a capacity of $k \\ll n$ tokens keeps compute at $\\mathcal{O}(kd)$ per layer while matching dense quality at 1.3B parameters, and beats it at equal FLOPs by 2.1 points on average.',
    authors: ['Mira Okafor', 'Jonas Lindqvist', 'Priya Raman', 'Wen Zhao', 'David Hartmann'],
    url: 'https://arxiv.org/abs/2611.04821',
    codeUrl: 'https://github.com/example/mixture-of-depths',
    projectUrl: null,
    githubStars: 1843,
    upvotes: 214,
  },
  {
    externalId: '2611.05102',
    title: 'Video Diffusion Models Are Zero-Shot Physical Reasoners',
    abstract:
      'Pretrained video generators encode surprisingly accurate intuitive physics. Conditioning on a single frame and scoring rollouts with the model likelihood, we solve 71% of PHYRE tasks without any task-specific training.',
    authors: ['Lucía Fernández', 'Tomás Novak'],
    url: 'https://arxiv.org/abs/2611.05102',
    codeUrl: null,
    projectUrl: 'https://example.org/video-physics',
    githubStars: null,
    upvotes: 167,
  },
  {
    externalId: '2611.03377',
    title: 'Self-Correcting Code Agents with Verifiable Rewards',
    abstract:
      'Agents that write code can check their own work. We train a 7B model with rewards from unit tests it did not see, and from a verifier that proves loop invariants, reaching 58.4% on SWE-bench Verified with a single attempt.',
    authors: ['Hannah Becker', 'Arjun Mehta', 'Sofia Rossi', 'Kenji Watanabe'],
    url: 'https://arxiv.org/abs/2611.03377',
    codeUrl: 'https://github.com/example/verifiable-agents',
    projectUrl: null,
    githubStars: 612,
    upvotes: 133,
  },
  {
    externalId: '2611.06010',
    title: 'On the Geometry of In-Context Learning: Tasks as Low-Rank Directions',
    abstract:
      'We show that the residual stream of a transformer prompted with $n$ demonstrations moves along a rank-$r$ subspace with $r \\approx \\log n$, and that steering along it reproduces few-shot behaviour from zero-shot prompts.',
    authors: ['Elena Petrova', 'Samuel Adeyemi', 'Chen Li', 'Maria Gomez', 'Oliver Smith', 'Yuki Tanaka'],
    url: 'https://arxiv.org/abs/2611.06010',
    codeUrl: null,
    projectUrl: null,
    githubStars: null,
    upvotes: 98,
  },
  {
    externalId: '2611.02245',
    title: 'Tiny Recursive Models for ARC: 7M Parameters, 45% Accuracy',
    abstract:
      'A two-layer network applied recursively to its own latent answer, with deep supervision at every step, generalises on ARC-AGI-1 better than models ten thousand times its size.',
    authors: ['Alexia Martin'],
    url: 'https://arxiv.org/abs/2611.02245',
    codeUrl: 'https://github.com/example/tiny-recursive',
    projectUrl: null,
    githubStars: 3920,
    upvotes: 87,
  },
];

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`preview: ${CHROMIUM} is missing; install it with \`apt-get install -y chromium\`\n`);
    process.exit(1);
  }
  const papers: EditionPaper[] = sample.map((paper, index) => ({ ...paper, rank: index + 1, id: index + 1, score: 0 }));
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
