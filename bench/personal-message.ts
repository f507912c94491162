// `node --import tsx bench/personal-message.ts`: worker CPU to build one DKIM-signed digest message, shared vs
// personal (a reader's own list, order and why lines from a pool of 50), through the same path the worker takes
// (edition-sending.ts messageFor, then the factory's build). Median µs of R rounds of N messages each.
//   --messages N (300)  --rounds R (5)
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { PoolPaper } from '../src/db/editions.ts';
import type { StoredTaste } from '../src/db/reader-settings.ts';
import { messageFor, type EditionSending } from '../src/digest/edition-sending.ts';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { createDigestMessageFactory, createJoinedMessages } from '../src/mail/digest-message.ts';
import { createDkimSigner } from '../src/mail/dkim.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '300' }, rounds: { type: 'string', default: '5' } } });
const MESSAGES = Number(values.messages);
const ROUNDS = Number(values.rounds);
const TOPICS = ['diffusion', 'reinforcement', 'retrieval', 'graph', 'protein'];
const editionDate = new Date().toISOString().slice(0, 10);
const papers = Array.from({ length: 50 }, (_, index) => ({
  rank: index + 1,
  id: index + 1,
  externalId: `2611.${10000 + index}`,
  title: `Scaling sparse ${TOPICS[index % TOPICS.length]} transformers to ${index + 2}0 trillion tokens with stable training`,
  abstract:
    `We present a method for $\\mathcal{O}(n \\log n)$ attention with provable bounds ($\\epsilon < 10^{-3}$). ` +
    'Experiments on language, vision and speech benchmarks show consistent gains over strong baselines. '.repeat(8),
  authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Kurt Gödel', 'Emmy Noether', 'John von Neumann'],
  url: `https://arxiv.org/abs/2611.${10000 + index}`,
  codeUrl: index % 2 === 0 ? `https://github.com/example/paper-${index}` : null,
  projectUrl: null,
  githubStars: null,
  upvotes: 400 - index * 7,
  score: 400 - index * 7,
}));
const rendered = await renderEdition({ PUBLIC_URL: 'https://paperboy.test' }, editionDate, papers.slice(0, 10), papers);
const pool: PoolPaper[] = papers.map((paper) => ({
  id: paper.id,
  title: paper.title,
  abstract: paper.abstract,
  keywords: [],
  authors: paper.authors,
  trendingScore: paper.score,
  upvotes: paper.upvotes,
  upvotesLast24h: null,
}));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dkim = createDkimSigner({ domainName: 'paperboy.test', keySelector: 'bench', privateKey });
const sender = { from: 'Paperboy <digest@paperboy.test>' };
const sending: EditionSending = {
  editionDate,
  shared: createDigestMessageFactory({ editionDate, ...rendered }, sender, UNSUBSCRIBE_PLACEHOLDER, dkim),
  day: { pool, kit: rendered.kit },
  week: { pool, kit: rendered.kit },
  personal: createJoinedMessages(sender, UNSUBSCRIBE_PLACEHOLDER, dkim),
};
const taste = (index: number): StoredTaste => ({
  subscriberId: index,
  settings: {
    frequency: 'daily',
    size: 10,
    include: [TOPICS[index % 5]!],
    exclude: [TOPICS[(index + 2) % 5]!],
    only: false,
    authors: [],
  },
  rated: [1, 2, 3].map((n) => ({
    id: 1000 + n,
    vote: 1,
    title: `Older work on ${TOPICS[(index + 1) % 5]} number ${n}`,
    abstract: `We study ${TOPICS[(index + 1) % 5]} in depth.`,
    keywords: [],
  })),
  sent: [],
});
const choice = { defaultSize: 10, tasteWeight: 2 };
const links = (slot: string) => `https://paperboy.test/r?token=${slot.length}abcdefabcdefabcdefabcdef`;
const recipient = (index: number) => ({
  email: `reader${index}@example.org`,
  messageId: `<edition-${editionDate}.s${index}@paperboy.test>`,
  unsubscribeUrl: `https://paperboy.test/unsubscribe?token=${'t'.repeat(40)}${index}`,
  slot: links,
});

function round(kind: 'shared' | 'personal'): number {
  const started = process.cpuUsage();
  let bytes = 0;
  for (let index = 0; index < MESSAGES; index += 1) {
    const message = messageFor(sending, kind === 'shared' ? undefined : taste(index), choice);
    if (message.kind === 'nothing') throw new Error(message.reason);
    bytes += message.factory.build(recipient(index)).length;
  }
  const used = process.cpuUsage(started);
  if (bytes === 0) throw new Error('nothing built');
  return (used.user + used.system) / MESSAGES;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = { shared: [] as number[], personal: [] as number[] };
round('shared');
round('personal');
for (let r = 0; r < ROUNDS; r += 1) {
  results.shared.push(round('shared'));
  results.personal.push(round('personal'));
}
const shared = median(results.shared);
const personal = median(results.personal);
process.stdout.write(
  `personal-message: shared ${shared.toFixed(0)} µs, personal ${personal.toFixed(0)} µs CPU per DKIM-signed message ` +
    `(median of ${ROUNDS} rounds of ${MESSAGES}); personal ${(personal / shared).toFixed(2)}x shared\n`,
);
