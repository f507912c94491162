// tldr promises: one readable line per paper — the AI summary when there is one, else the abstract's opening
// sentence or two — never over the limit, never cut inside a word, "…" only when a sentence was cut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { shortenOnWord, splitSentences, tldr } from '../src/text/summary.ts';

// Abstracts copied from the Daily Papers capture.
const A2SEARCH =
  'Recent advances in Large Language Models (LLMs) and Reinforcement Learning (RL) have led to strong performance in open-domain question answering (QA). However, existing models still struggle with questions that admit multiple valid answers. Standard QA benchmarks, which typically assume a single gold answer, overlook this reality and thus produce inappropriate training signals.';
const MIG =
  'Data quality and diversity are key to the construction of effective instruction-tuning datasets. % With the increasing availability of open-source instruction-tuning datasets, it is advantageous to automatically select high-quality and diverse subsets from a vast amount of data.';
const SHORTCUT =
  "The notion of shortcut partition, introduced recently by Chang, Conroy, Le, Milenkovi\\'c, Solomon, and Than [CCLMST23], is a new type of graph partition into low-diameter clusters. Roughly speaking, the shortcut partition guarantees that for every two vertices u and v in the graph, there exists a path between u and v that intersects only a few clusters.";
const MOT =
  'Open-source Large Language Models (LLMs) increasingly specialize by domain (e.g., math, code, general reasoning), motivating systems that leverage complementary strengths across models. Prior multi-LLM approaches either (i) route a query to one or a few experts and generate independently';
const STRATIFIED =
  'Large language model (LLM) agents increasingly rely on external tools such as search engines to solve complex, multi-step problems, and reinforcement learning (RL) has become a key paradigm for training them. However, the trajectories of search agents are structurally heterogeneous.';
const MMKB =
  'Recent advancements in large language models (LLMs) and multi-modal LLMs have been remarkable. However, these models still rely solely on their parametric knowledge, which limits their ability to generate up-to-date information and increases the risk of producing erroneous content.';

const CASES: ReadonlyArray<readonly [string, { aiSummary: string | null; abstract: string }, string]> = [
  [
    'the first sentence when two do not fit',
    { aiSummary: null, abstract: A2SEARCH },
    'Recent advances in Large Language Models (LLMs) and Reinforcement Learning (RL) have led to strong performance in open-domain question answering (QA).',
  ],
  [
    'the first sentence, cleaned of a stray comment marker after it',
    { aiSummary: null, abstract: MIG },
    'Data quality and diversity are key to the construction of effective instruction-tuning datasets.',
  ],
  [
    'accents rendered',
    { aiSummary: null, abstract: SHORTCUT },
    'The notion of shortcut partition, introduced recently by Chang, Conroy, Le, Milenković, Solomon, and Than [CCLMST23], is a new type of graph partition into low-diameter clusters.',
  ],
  [
    '"e.g." inside the first sentence does not end it',
    { aiSummary: null, abstract: MOT },
    'Open-source Large Language Models (LLMs) increasingly specialize by domain (e.g., math, code, general reasoning), motivating systems that leverage complementary strengths across models.',
  ],
  [
    'a first sentence longer than the limit is cut on a word with "…"',
    { aiSummary: null, abstract: STRATIFIED },
    'Large language model (LLM) agents increasingly rely on external tools such as search engines to solve complex, multi-step problems, and reinforcement learning (RL) has become a key paradigm for…',
  ],
  [
    'the AI summary wins over the abstract, cleaned of LaTeX',
    { aiSummary: 'A$^2$Search trains QA agents with RL to recognise \\emph{ambiguous} questions.', abstract: MMKB },
    'A²Search trains QA agents with RL to recognise ambiguous questions.',
  ],
  [
    'an empty AI summary falls back to the abstract',
    { aiSummary: '  ', abstract: MMKB },
    'Recent advancements in large language models (LLMs) and multi-modal LLMs have been remarkable.',
  ],
  [
    'two short sentences both fit',
    { aiSummary: null, abstract: 'We study $x_i$. It works. A third sentence is never shown.' },
    'We study xᵢ. It works.',
  ],
  ['nothing to show', { aiSummary: null, abstract: '' }, ''],
];

for (const [promise, paper, expected] of CASES) {
  test(`tldr: ${promise}`, () => {
    assert.equal(tldr(paper), expected);
  });
}

test('tldr: a long AI summary is cut to the limit on a word boundary', () => {
  const summary =
    'This paper proposes a framework that learns to route queries across many experts with reinforcement learning and shows gains.';
  assert.equal(tldr({ aiSummary: summary, abstract: '' }, 60), 'This paper proposes a framework that learns to route…');
});

test('sentences do not end at abbreviations, initials, figure numbers or decimals', () => {
  assert.deepEqual(
    splitSentences(
      'As shown by Smith et al. (2023) and in Fig. 3, we gain 11.3 points, e.g. GPT-4 improves. J. Smith agrees! Does it scale? Yes, cf. Table 2.',
    ),
    [
      'As shown by Smith et al. (2023) and in Fig. 3, we gain 11.3 points, e.g. GPT-4 improves.',
      'J. Smith agrees!',
      'Does it scale?',
      'Yes, cf. Table 2.',
    ],
  );
});

test('a single word longer than the limit stays whole', () => {
  assert.equal(
    shortenOnWord('Pneumonoultramicroscopicsilicovolcanoconiosis is long', 10),
    'Pneumonoultramicroscopicsilicovolcanoconiosis…',
  );
  assert.equal(shortenOnWord('Pneumonoultramicroscopicsilicovolcanoconiosis', 10), 'Pneumonoultramicroscopicsilicovolcanoconiosis');
});

test('any abstract: within the limit, and a prefix of the cleaned text made of whole words', () => {
  const word = fc.stringMatching(/^[A-Za-z]{1,12}[.,]?$/);
  const abstract = fc.array(word, { minLength: 1, maxLength: 80 }).map((words) => words.join(' '));
  fc.assert(
    fc.property(abstract, fc.integer({ min: 20, max: 300 }), (text, maxChars) => {
      const line = tldr({ aiSummary: null, abstract: text }, maxChars);
      assert.ok([...line].length <= maxChars, line);
      const shown = line.endsWith('…') ? line.slice(0, -1) : line;
      const words = text.split(' ');
      const shownWords = shown.split(' ');
      // Every shown word is the source's word at that place; only the last may have lost trailing punctuation.
      shownWords.forEach((shownWord, index) => {
        const source = words[index]!;
        assert.ok(
          index === shownWords.length - 1
            ? source.startsWith(shownWord) && /^[.,]?$/.test(source.slice(shownWord.length))
            : source === shownWord,
          line,
        );
      });
    }),
    { numRuns: 500 },
  );
});

test('every abbreviation an abstract uses keeps its sentence going, whatever its case or bracket', () => {
  const abbreviations = ['e.g', 'i.e', 'al', 'cf', 'vs', 'viz', 'approx', 'resp', 'fig', 'figs', 'eq', 'eqs', 'sec', 'secs', 'tab'];
  const more = ['no', 'nos', 'ref', 'refs', 'ch', 'dr', 'prof', 'mr', 'ms', 'st', 'inc', 'ltd', 'jr', 'sr'];
  for (const abbreviation of [...abbreviations, ...more]) {
    const capitalised = abbreviation[0]!.toUpperCase() + abbreviation.slice(1);
    for (const written of [abbreviation, capitalised, `(${abbreviation}`]) {
      const text = `It holds as shown ${written}. 4 more. Then it ends.`;
      assert.deepEqual(splitSentences(text), [`It holds as shown ${written}. 4 more.`, 'Then it ends.'], text);
    }
  }
  assert.deepEqual(splitSentences('Ends at a word. Then more.'), ['Ends at a word.', 'Then more.'], 'an ordinary word ends a sentence');
  assert.deepEqual(splitSentences('By A. Turing. Then more.'), ['By A. Turing.', 'Then more.'], 'an initial does not');
  assert.deepEqual(splitSentences('By AB. Then more.'), ['By AB.', 'Then more.'], 'two capitals are a word, not an initial');
});

test('tldr: the first sentences that fit, the first one cut when none fits, and the AI summary as plain text', () => {
  const abstract = 'First sentence is here. Second one follows. Third is never shown.';
  assert.equal(tldr({ aiSummary: null, abstract }), 'First sentence is here. Second one follows.', 'two sentences at most');
  assert.equal(tldr({ aiSummary: null, abstract }, 30), 'First sentence is here.', 'only what fits');
  assert.equal(tldr({ aiSummary: null, abstract }, 43), 'First sentence is here. Second one follows.', 'exactly the limit fits');
  assert.equal(tldr({ aiSummary: null, abstract }, 15), 'First sentence…', 'the first sentence cut when it alone is too long');
  assert.equal(tldr({ aiSummary: '', abstract }, 30), 'First sentence is here.', 'an empty AI summary is no summary');
  assert.equal(tldr({ aiSummary: 'Uses $\\alpha$ well.', abstract }), 'Uses α well.');
  assert.equal(tldr({ aiSummary: null, abstract: '' }), '');
});

test('shortenOnWord: within the limit as is, else cut on the last space that fits, trailing punctuation dropped', () => {
  assert.equal(shortenOnWord('exactly ten', 11), 'exactly ten');
  assert.equal(shortenOnWord('one two three', 9), 'one two…');
  assert.equal(shortenOnWord('one two, three', 10), 'one two…', 'the comma before the cut goes');
  assert.equal(shortenOnWord('one — two three', 8), 'one…', 'and a dash with its spaces');
  assert.equal(shortenOnWord('ααα βββ γγγ', 8), 'ααα βββ…', 'characters are code points');
  assert.equal(shortenOnWord('longword, next', 3), 'longword…', 'a first word too long: whole, its comma dropped');
  assert.ok(shortenOnWord('one two three', 9).length <= 9);
});

test('sentence ends: after several spaces, never before a lower-case word, after a stray space, inside brackets', () => {
  assert.deepEqual(splitSentences('One ends.   Two begins.'), ['One ends.', 'Two begins.'], 'several spaces');
  assert.deepEqual(splitSentences('Not here. then on.'), ['Not here. then on.'], 'a lower-case word continues it');
  assert.deepEqual(splitSentences(''), [], 'no text, no sentence');
  assert.deepEqual(splitSentences('It is . Then more.'), ['It is .', 'Then more.'], 'a full stop after a space');
  assert.deepEqual(splitSentences('As in ((e.g. Three) ways.'), ['As in ((e.g. Three) ways.'], 'an abbreviation after two brackets');
});
