// `node --import tsx bench/dkim.ts`: DKIM signing cost per digest message, in one run and in interleaved
// rounds (medians): Nodemailer's signer (what smtp-pool.ts uses), src/mail/dkim.ts's general `sign`, its fast
// path (body prepared once per edition), and the floor: one bare RSA-2048 signature of 32 bytes. CPU µs.
//   --messages N (150 per method per round)  --rounds R (5)
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { parseArgs } from 'node:util';
import DKIM from 'nodemailer/lib/dkim';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp/index.js';
import { renderEdition, UNSUBSCRIBE_PLACEHOLDER } from '../src/digest/render.ts';
import { createDigestMessageFactory, SLOT_PATTERN, type DigestRecipient } from '../src/mail/digest-message.ts';
import { createDkimSigner } from '../src/mail/dkim.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '150' }, rounds: { type: 'string', default: '5' } } });
const MESSAGES = Number(values.messages);
const ROUNDS = Number(values.rounds);
const CRLF = '\r\n';
const log = (line: string) => process.stdout.write(`${line}\n`);

const editionDate = new Date().toISOString().slice(0, 10);
const sentence = 'We show that sparse mixtures of attention heads match dense baselines at a fraction of the compute. ';
const papers = Array.from({ length: 13 }, (_, index) => ({
  rank: index + 1,
  id: index + 1,
  externalId: `2611.${10000 + index}`,
  title: `Scaling sparse attention ${index + 1}: what café-sized models learn about long contexts`,
  abstract: sentence.repeat(4),
  authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Emmy Noether'],
  url: `https://arxiv.org/abs/2611.${10000 + index}`,
  codeUrl: index % 2 ? `https://github.com/example/paper-${index}` : null,
  projectUrl: null,
  githubStars: index % 2 ? 120 * index : null,
  upvotes: 200 - index,
  score: 1,
}));
const edition = await renderEdition({ PUBLIC_URL: 'https://paperboy.test' }, editionDate, papers);
// One reader's own links besides unsubscribe (preferences, ratings) filled in once: this bench is about the body
// shared by every reader with only the unsubscribe URL per message.
const fillOwnLinks = (text: string) =>
  text.replace(SLOT_PATTERN, (slot) => (slot === UNSUBSCRIBE_PLACEHOLDER ? slot : 'https://paperboy.test/rate?token=example'));
const template = {
  editionDate,
  subject: edition.subject,
  htmlTemplate: fillOwnLinks(edition.htmlTemplate),
  textTemplate: fillOwnLinks(edition.textTemplate),
};
const factory = createDigestMessageFactory(template, { from: 'Paperboy <digest@paperboy.test>' }, UNSUBSCRIBE_PLACEHOLDER);
const readers: DigestRecipient[] = Array.from({ length: 64 }, (_, index) => ({
  email: `reader${index}@example.org`,
  messageId: `<edition-${editionDate}.s${index}@paperboy.test>`,
  unsubscribeUrl: `https://paperboy.test/unsubscribe?token=${'t'.repeat(40 + (index % 7) * 11)}${index}`,
}));
const now = new Date();
const messages = readers.map((reader) => factory.build(reader, now));

// The decomposition digest-message.ts has in hand (its encodeSegments/joinSegments), rebuilt here.
const encode = (value: string) => qpWrap(qpEncode(value), 75) + '=' + CRLF;
const segmentsOf = (text: string) =>
  text
    .replace(/\r?\n/g, CRLF)
    .split(UNSUBSCRIBE_PLACEHOLDER)
    .map((piece) => (piece ? encode(piece) : ''));
const boundary = `----=_paperboy_${createHash('sha256').update(editionDate).update(edition.subject).digest('hex').slice(0, 24)}`;
const part = (type: string) =>
  `--${boundary}${CRLF}Content-Type: text/${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`;
const text = segmentsOf(template.textTemplate);
const html = segmentsOf(template.htmlTemplate);
const shared = [
  part('plain') + text[0]!,
  ...text.slice(1, -1),
  text.at(-1)! + CRLF + part('html') + html[0]!,
  ...html.slice(1, -1),
  html.at(-1)! + `${CRLF}--${boundary}--${CRLF}`,
];
const escape = (url: string) => url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const pieces = readers.map((reader) => [
  ...Array<string>(text.length - 1).fill(encode(reader.unsubscribeUrl)),
  ...Array<string>(html.length - 1).fill(encode(escape(reader.unsubscribeUrl))),
]);
const headers = messages.map((message) => message.slice(0, message.indexOf(CRLF + CRLF) + 4));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ed25519 = generateKeyPairSync('ed25519').privateKey;
const options = { domainName: 'paperboy.test', keySelector: 'bench' };
const nodemailerSigner = new DKIM({ ...options, privateKey: pem });
const signer = createDkimSigner({ ...options, privateKey });
const prepared = signer.prepareBody(shared);
const edSigner = createDkimSigner({ ...options, privateKey: ed25519 });
const edPrepared = edSigner.prepareBody(shared);

// The fast path must be what the general signer gives, or its figure means nothing.
for (let index = 0; index < readers.length; index += 1) {
  if (signer.signPrepared(headers[index]!, prepared, pieces[index]!, { time: now }) !== signer.sign(messages[index]!, { time: now })) {
    throw new Error(`fast path and sign differ for reader ${index}`);
  }
}

async function nodemailerSign(index: number): Promise<number> {
  let length = 0;
  for await (const chunk of nodemailerSigner.sign(messages[index]!)) length += (chunk as Buffer).length;
  return length;
}
const digest32 = createHash('sha256').update('paperboy').digest();
const methods: { name: string; run: (index: number) => unknown }[] = [
  { name: 'Nodemailer DKIM signer', run: nodemailerSign },
  { name: 'dkim.ts sign (general)', run: (index) => signer.sign(messages[index]!) },
  { name: 'dkim.ts signPrepared (fast)', run: (index) => signer.signPrepared(headers[index]!, prepared, pieces[index]!) },
  { name: 'dkim.ts fast path, Ed25519', run: (index) => edSigner.signPrepared(headers[index]!, edPrepared, pieces[index]!) },
  { name: 'bare RSA-2048 crypto.sign', run: () => cryptoSign('sha256', digest32, privateKey) },
];

/** CPU time (user + system, this process) per message: on a shared machine wall time also counts other processes. */
async function perMessage(run: (index: number) => unknown): Promise<number> {
  const started = process.cpuUsage();
  for (let index = 0; index < MESSAGES; index += 1) await run(index % readers.length);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / MESSAGES;
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
log(
  `dkim-bench: ${messages[0]!.length} byte digests, ${pieces[0]!.length} per-reader pieces, ${MESSAGES} messages × ${ROUNDS} rounds per method`,
);
for (const method of methods) await perMessage(method.run); // warm-up
const samples = methods.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [index, method] of methods.entries()) samples[index]!.push(await perMessage(method.run));
}
const figures = samples.map(median);
const baseline = figures.at(-1)!;
for (const [index, method] of methods.entries()) {
  const value = figures[index]!;
  log(`${method.name.padEnd(30)} ${value.toFixed(0).padStart(6)} µs CPU/msg  ${(value / baseline).toFixed(2)}x the bare RSA signature`);
}
log(
  `dkim-bench: fast path ${(figures[0]! / figures[2]!).toFixed(1)}x less time than Nodemailer's signer, ` +
    `${(figures[2]! - baseline).toFixed(0)} µs above one RSA signature`,
);
