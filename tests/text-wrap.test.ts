// wrapText promises: plain-text email lines a client shows as we break them — at most 72 characters, words
// and URLs never split, indents where asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { latexToText } from '../src/text/latex.ts';
import { SIGNATURE_SEPARATOR, TEXT_WIDTH, wrapParagraphs, wrapText } from '../src/text/wrap.ts';

// From the Daily Papers capture: an abstract ending in a link.
const EXIT_ABSTRACT =
  'By improving both effectiveness and efficiency, EXIT provides a promising direction for developing scalable, high-quality QA solutions in RAG pipelines. Our code is available at https://github.com/ThisIsHwang/EXIT';
const MIGRATION_ABSTRACT =
  'Our code and data are available at https://github.com/amazon-science/MigrationBench-with-a-deliberately-long-path/tree/main/evaluation/self_debug respectively.';

const isLoneUrl = (line: string) => /^\s*https?:\/\/\S+$/.test(line);

test('wraps an abstract at 72 characters with a hanging indent', () => {
  assert.deepEqual(wrapText(EXIT_ABSTRACT, { indent: '   ' }), [
    '   By improving both effectiveness and efficiency, EXIT provides a',
    '   promising direction for developing scalable, high-quality QA',
    '   solutions in RAG pipelines. Our code is available at',
    '   https://github.com/ThisIsHwang/EXIT',
  ]);
});

test('first-line indent and hanging indent differ for a numbered title', () => {
  const title = latexToText('A$^2$Search: Ambiguity-Aware Question Answering with Reinforcement Learning');
  assert.deepEqual(wrapText(title, { width: 40, indent: '4. ', hangingIndent: '   ' }), [
    '4. A²Search: Ambiguity-Aware Question',
    '   Answering with Reinforcement Learning',
  ]);
});

test('a URL that does not fit goes on a line of its own, whole', () => {
  const lines = wrapText(MIGRATION_ABSTRACT, { indent: '   ' });
  assert.deepEqual(lines, [
    '   Our code and data are available at',
    '   https://github.com/amazon-science/MigrationBench-with-a-deliberately-long-path/tree/main/evaluation/self_debug',
    '   respectively.',
  ]);
});

test('a URL pushed off its line keeps the next line to itself, so it is easy to spot and copy', () => {
  assert.deepEqual(wrapText('Code and data at https://github.com/ThisIsHwang/EXIT and on the project page.', { width: 40 }), [
    'Code and data at',
    'https://github.com/ThisIsHwang/EXIT',
    'and on the project page.',
  ]);
});

test('a word longer than the width stays whole on its own line', () => {
  assert.deepEqual(wrapText('see Pneumonoultramicroscopicsilicovolcanoconiosis here', { width: 10 }), [
    'see',
    'Pneumonoultramicroscopicsilicovolcanoconiosis',
    'here',
  ]);
});

test('whitespace, including arXiv line folds, is collapsed', () => {
  assert.deepEqual(wrapText('  Load Balancing Loss for\n  Training   Specialized  Models ', { width: 30 }), [
    'Load Balancing Loss for',
    'Training Specialized Models',
  ]);
  assert.deepEqual(wrapText('   '), []);
});

test('paragraphs are wrapped separately and kept one blank line apart', () => {
  assert.equal(wrapParagraphs('one two three\n\n\nfour five', { width: 8 }), 'one two\nthree\n\nfour\nfive');
});

test('the signature separator is dash, dash, space (RFC 3676)', () => {
  assert.equal(SIGNATURE_SEPARATOR, '-- ');
});

test('any text: lines within the width except lone overlong words and URLs, words kept in order', () => {
  const word = fc.oneof(
    { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9²ᵢ,.()-]{1,15}(?:𝒪)?$/) },
    { weight: 1, arbitrary: fc.stringMatching(/^https:\/\/[a-z]{1,10}\.org\/[a-z_/]{0,90}$/) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{60,90}$/) },
  );
  fc.assert(
    fc.property(fc.array(word, { maxLength: 60 }), fc.constantFrom('', '   ', '4. '), (words, indent) => {
      const hangingIndent = ' '.repeat(indent.length);
      const lines = wrapText(words.join(' '), { indent, hangingIndent });
      const prefixLength = (index: number) => (index === 0 ? indent : hangingIndent).length;
      lines.forEach((line, index) => {
        assert.ok(line.startsWith(index === 0 ? indent : hangingIndent));
        assert.doesNotMatch(line, /\s$/);
        const content = line.slice(prefixLength(index));
        const alone = !content.includes(' ');
        const fits = [...line].length <= TEXT_WIDTH;
        assert.ok(fits || (alone && ([...content].length > TEXT_WIDTH - prefixLength(index) || isLoneUrl(content))), line);
      });
      assert.deepEqual(
        lines.flatMap((line, index) => line.slice(prefixLength(index)).split(' ')),
        words,
      );
    }),
    { numRuns: 500 },
  );
});

test('the edges of wrapping: a line of exactly the width, code points, both indents, http and https, blank paragraphs', () => {
  assert.deepEqual(wrapText('aaaa bbbb cccc', { width: 9 }), ['aaaa bbbb', 'cccc'], 'a line may be exactly the width');
  assert.deepEqual(wrapText('aaaa bbbb cccc', { width: 8 }), ['aaaa', 'bbbb', 'cccc']);
  assert.deepEqual(wrapText('ααα βββ γγγ', { width: 7 }), ['ααα βββ', 'γγγ'], 'width counts characters, not bytes');
  assert.deepEqual(wrapText('one two three four', { width: 9, indent: '1. ', hangingIndent: '   ' }), [
    '1. one',
    '   two',
    '   three',
    '   four',
  ]);
  assert.deepEqual(
    wrapText('one two three', { width: 8, indent: '> ' }),
    ['> one', '> two', '> three'],
    'the hanging indent defaults to the indent',
  );
  assert.deepEqual(wrapText('see http://example.org/a', { width: 30 }), ['see http://example.org/a'], 'a URL that fits stays on its line');
  assert.deepEqual(wrapText('see the page http://example.org/abc next', { width: 20 }), ['see the page', 'http://example.org/abc', 'next']);
  assert.deepEqual(
    wrapText('see the page https://example.org/a next', { width: 26 }),
    ['see the page', 'https://example.org/a', 'next'],
    'https too',
  );
  assert.deepEqual(
    wrapText('https://example.org/a then more words', { width: 26 }),
    ['https://example.org/a then', 'more words'],
    'a URL first on its line shares it',
  );
  assert.deepEqual(
    wrapText('see the example.org page and more', { width: 20 }),
    ['see the example.org', 'page and more'],
    'a bare domain is a word',
  );
  assert.deepEqual(wrapText('', { width: 10 }), []);
  assert.deepEqual(wrapText('   ', { width: 10 }), []);
  assert.equal(
    wrapParagraphs('one two\n \t\nthree four\n\n\n\n', { width: 7 }),
    'one two\n\nthree\nfour',
    'blank lines with spaces separate; empty paragraphs go',
  );
  assert.equal(wrapParagraphs('one\ntwo', { width: 20 }), 'one two', 'a single line break is not a paragraph');
});
