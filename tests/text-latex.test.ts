// latexToText promises: titles and abstracts read as plain Unicode — markup gone, words all there, plain text
// untouched. The real cases are copied from a capture of the Hugging Face Daily Papers page (as literals, so
// the test needs nothing outside the repository).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { latexToText } from '../src/text/latex.ts';

/** [input as captured, what a reader should see]. */
const REAL_FRAGMENTS: ReadonlyArray<readonly [string, string]> = [
  // Titles
  [
    'A$^2$Search: Ambiguity-Aware Question Answering with Reinforcement Learning',
    'A²Search: Ambiguity-Aware Question Answering with Reinforcement Learning',
  ],
  ['Prime Collective Communications Library -- Technical Report', 'Prime Collective Communications Library – Technical Report'],
  ['0.1% Data Makes Segment Anything Slim', '0.1% Data Makes Segment Anything Slim'],
  [
    'MMKB-RAG: A Multi-Modal Knowledge-Based Retrieval-Augmented Generation Framework',
    'MMKB-RAG: A Multi-Modal Knowledge-Based Retrieval-Augmented Generation Framework',
  ],
  [
    'Mixture of Thoughts: Learning to Aggregate What Experts Think, Not Just What They Say',
    'Mixture of Thoughts: Learning to Aggregate What Experts Think, Not Just What They Say',
  ],
  [
    'D3: Diversity, Difficulty, and Dependability-Aware Data Selection for Sample-Efficient LLM Instruction Tuning',
    'D3: Diversity, Difficulty, and Dependability-Aware Data Selection for Sample-Efficient LLM Instruction Tuning',
  ],
  [
    'carps: A Framework for Comparing N Hyperparameter Optimizers on M Benchmarks',
    'carps: A Framework for Comparing N Hyperparameter Optimizers on M Benchmarks',
  ],
  ['Compiling C to Safe Rust, Formalized', 'Compiling C to Safe Rust, Formalized'],
  [
    'Shortcut Partitions in Minor-Free Graphs: Steiner Point Removal, Distance Oracles, Tree Covers, and More',
    'Shortcut Partitions in Minor-Free Graphs: Steiner Point Removal, Distance Oracles, Tree Covers, and More',
  ],
  // Abstract fragments: accents, escapes, TeX quotes and dashes
  [
    "The notion of shortcut partition, introduced recently by Chang, Conroy, Le, Milenkovi\\'c, Solomon, and Than [CCLMST23], is a new type of graph partition into low-diameter clusters.",
    'The notion of shortcut partition, introduced recently by Chang, Conroy, Le, Milenković, Solomon, and Than [CCLMST23], is a new type of graph partition into low-diameter clusters.',
  ],
  [
    '% Notably, the model fine-tuned with 5\\% Tulu3 data sampled by MIG achieves comparable performance to the official SFT model',
    'Notably, the model fine-tuned with 5% Tulu3 data sampled by MIG achieves comparable performance to the official SFT model',
  ],
  [
    'the official SFT model trained on the full dataset, with improvements of +5.73\\% on AlpacaEval and +6.89\\% on Wildbench.',
    'the official SFT model trained on the full dataset, with improvements of +5.73% on AlpacaEval and +6.89% on Wildbench.',
  ],
  [
    'competitive or even superior instruction-following capabilities using less than 10\\% of the entire dataset.',
    'competitive or even superior instruction-following capabilities using less than 10% of the entire dataset.',
  ],
  [
    'Data quality and diversity are key to the construction of effective instruction-tuning datasets. % With the increasing availability of open-source instruction-tuning datasets',
    'Data quality and diversity are key to the construction of effective instruction-tuning datasets. With the increasing availability of open-source instruction-tuning datasets',
  ],
  [
    "one is given multiple rankings of items and the goal is to select the highest ``quality'' subset.",
    'one is given multiple rankings of items and the goal is to select the highest “quality” subset.',
  ],
  [
    "This result relies on a novel notion of ``smoothness'' of submodular functions in this setting that quantifies how well a function can ``correctly'' assess the quality of items",
    'This result relies on a novel notion of “smoothness” of submodular functions in this setting that quantifies how well a function can “correctly” assess the quality of items',
  ],
  [
    'However, SMoE models are susceptible to routing fluctuations--changes in the routing of a given input to its target expert--at the late stage of model training',
    'However, SMoE models are susceptible to routing fluctuations–changes in the routing of a given input to its target expert–at the late stage of model training',
  ],
  [
    'we propose a hybrid classical--quantum framework based on graph shrinking',
    'we propose a hybrid classical–quantum framework based on graph shrinking',
  ],
  [
    'AdaMoE makes minimal modifications to the vanilla MoE with top-k routing -- it simply introduces a fixed number of null experts',
    'AdaMoE makes minimal modifications to the vanilla MoE with top-k routing – it simply introduces a fixed number of null experts',
  ],
  // Markdown
  [
    'many systems introduce *expert offloading* that caches a subset of experts in fast memory',
    'many systems introduce expert offloading that caches a subset of experts in fast memory',
  ],
  [
    'the degree of this **local routing consistency** varies across models and remains understudied.',
    'the degree of this local routing consistency varies across models and remains understudied.',
  ],
  [
    'we propose two metrics to measure local routing consistency of MoE models: (1) **Segment Routing Best Performance (SRP)**, which evaluates how well a fixed group of experts can',
    'we propose two metrics to measure local routing consistency of MoE models: (1) Segment Routing Best Performance (SRP), which evaluates how well a fixed group of experts can',
  ],
  [
    'the HACL* cryptographic library, and binary parsers and serializers from EverParse',
    'the HACL* cryptographic library, and binary parsers and serializers from EverParse',
  ],
  // Math whose $ Hugging Face already stripped
  [
    'With only a single rollout, A^2Search-7B yields an average AnsF1@1 score of 48.4% across eight benchmarks',
    'With only a single rollout, A²Search-7B yields an average AnsF1@1 score of 48.4% across eight benchmarks',
  ],
  [
    'Specifically, LBL for MoEs is defined as N_E sum_{i=1}^{N_E} f_i p_i, where N_E is the total number of experts, f_i represents the frequency',
    'Specifically, LBL for MoEs is defined as N_E sumᵢ₌₁^(N_E) fᵢ pᵢ, where N_E is the total number of experts, fᵢ represents the frequency',
  ],
  [
    'Our shortcut partition for K_r-minor-free graphs yields several direct applications.',
    'Our shortcut partition for Kᵣ-minor-free graphs yields several direct applications.',
  ],
  [
    'while the previous best (1+varepsilon)-tree cover has size O(log^2 n) [BFN19].',
    'while the previous best (1+varepsilon)-tree cover has size O(log² n) [BFN19].',
  ],
  [
    'down to lceil log_2 ell rceil + lceil log_2 m_j rceil bits, where m_j < k.',
    'down to lceil log₂ ell rceil + lceil log₂ mⱼ rceil bits, where mⱼ < k.',
  ],
  // URLs and HTML-ish text stay exactly as they are
  [
    'Our code and data are available at https://github.com/amazon-science/self_debug respectively.',
    'Our code and data are available at https://github.com/amazon-science/self_debug respectively.',
  ],
  ['Our code is available at https://github.com/ThisIsHwang/EXIT', 'Our code is available at https://github.com/ThisIsHwang/EXIT'],
  [
    'various tokens (e.g., "<EOS>" vs. "apple") may require various numbers of experts',
    'various tokens (e.g., "<EOS>" vs. "apple") may require various numbers of experts',
  ],
  [
    'at high pruning rates (e.g., 90%), it achieves significantly better accuracy than previous SOTA methods (e.g., at least 19.56% higher on CIFAR10)',
    'at high pruning rates (e.g., 90%), it achieves significantly better accuracy than previous SOTA methods (e.g., at least 19.56% higher on CIFAR10)',
  ],
  // arXiv titles fold long lines
  [
    'Demons in the Detail: On Implementing Load Balancing Loss for\n  Training Specialized Mixture-of-Expert Models',
    'Demons in the Detail: On Implementing Load Balancing Loss for Training Specialized Mixture-of-Expert Models',
  ],
];

/** LaTeX and markdown constructs the renderer promises to handle, one promise per row. */
const CONSTRUCTS: ReadonlyArray<readonly [string, string]> = [
  ['$\\mathcal{O}(n \\log n)$ time', '𝒪(n log n) time'],
  ['\\(x_i\\) and $$x_i$$', 'xᵢ and xᵢ'],
  ['$N_E$ experts', 'N_E experts'],
  ['$\\alpha$-divergence and $\\Theta(n)$', 'α-divergence and Θ(n)'],
  ['$a \\times b$, $x \\leq y$, $x \\geq y$', 'a × b, x ≤ y, x ≥ y'],
  ['$x \\approx y \\sim z$ and $n \\to \\infty$', 'x ≈ y ∼ z and n → ∞'],
  ['$f: X \\rightarrow Y$', 'f: X → Y'],
  ['$\\sum_{i=1}^{n} x_i$', '∑ᵢ₌₁ⁿ xᵢ'],
  ['$x \\in \\mathbb{R}^d$', 'x ∈ ℝᵈ'],
  ['$a \\cdot b$ and $\\pm 1$', 'a·b and ±1'],
  ['$10^{-3}$ and $2^{10}$', '10⁻³ and 2¹⁰'],
  ['$\\mathbf{x}^\\top$', 'xᵀ'],
  ['$\\frac{a+b}{2}$ and $\\sqrt{x}$', '(a+b)/2 and √x'],
  ['$\\log_2 n$', 'log₂ n'],
  ['\\textbf{Bold} and \\emph{emphasis} and \\textit{italic}', 'Bold and emphasis and italic'],
  ['Erd\\H{o}s, G\\"odel, Schr\\"{o}dinger, \\v{S}koda, Fran\\c{c}ois, na\\"{\\i}ve', 'Erdős, Gödel, Schrödinger, Škoda, François, naïve'],
  ['R\\&D costs \\$5 for 10\\% of snake\\_case', 'R&D costs $5 for 10% of snake_case'],
  ['Fig.~3 shows ~30% less', 'Fig. 3 shows ~30% less'],
  ['a---b', 'a—b'],
  ['\\unknowncommand{kept words} and \\dropped alone', 'kept words and alone'],
  ['50% fewer tokens and 3 % more', '50% fewer tokens and 3 % more'],
  ['_Emphasised_ text and __strong__ text', 'Emphasised text and strong text'],
  ['call `load_model()` first', 'call load_model() first'],
  ['costs $5 and $10 per run', 'costs $5 and $10 per run'],
  ['as in \\cite{vaswani2017}, see \\url{https://arxiv.org/abs/1706.03762}', 'as in [vaswani2017], see https://arxiv.org/abs/1706.03762'],
];

for (const [input, expected] of REAL_FRAGMENTS) {
  test(`real abstract text reads as plain text: ${input.slice(0, 60)}`, () => {
    assert.equal(latexToText(input), expected);
  });
}

for (const [input, expected] of CONSTRUCTS) {
  test(`LaTeX and markdown become readable text: ${input}`, () => {
    assert.equal(latexToText(input), expected);
  });
}

test('no output keeps a math delimiter, a backslash command or markdown emphasis markers', () => {
  const withMath = [...REAL_FRAGMENTS, ...CONSTRUCTS].filter(([input]) => !/\\\$|\$\d/.test(input));
  for (const [input] of withMath) {
    const output = latexToText(input);
    assert.doesNotMatch(output, /\$/, input);
    assert.doesNotMatch(output, /\\[A-Za-z]+/, input);
    assert.doesNotMatch(output, /(^|\s)\*{1,2}\S[^*]*\S?\*{1,2}(\s|$|[.,;:])/, input);
    assert.doesNotMatch(output, /(^|\s)_\S[^_]*_(\s|$)/, input);
  }
});

test('plain text comes back as it was', () => {
  const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.,;:!?()'"%/+=<>@#&-]{0,12}$/);
  const plain = fc
    .array(word, { minLength: 1, maxLength: 12 })
    .map((words) => words.join(' '))
    // Doubled dashes and quotes are TeX ligatures by definition, not plain text.
    .filter((text) => !/--|''/.test(text));
  fc.assert(
    fc.property(plain, (text) => {
      assert.equal(latexToText(text), text);
    }),
    { numRuns: 500 },
  );
});

test('rendering its own output again changes nothing', () => {
  for (const [input] of [...REAL_FRAGMENTS, ...CONSTRUCTS]) {
    const once = latexToText(input);
    assert.equal(latexToText(once), once, input);
  }
});

test('never throws, and always returns one trimmed line', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(..."ab \n\t$\\{}^_*%~`'-&#(αx1".split('')), maxLength: 60 }), (input) => {
      const output = latexToText(input);
      assert.equal(typeof output, 'string');
      assert.doesNotMatch(output, /^\s|\s$|\s{2}|\n/);
    }),
    { numRuns: 2000 },
  );
});

test('an input the parser cannot handle comes back with its $ delimiters removed', () => {
  // Nesting this deep overflows the parser's stack.
  const nested = `${'{'.repeat(20_000)}x${'}'.repeat(20_000)}`;
  const input = `Deep $${nested}$ and $y$ here`;
  assert.equal(latexToText(input), `Deep ${nested} and y here`);
});
