import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// MACs, signatures and secrets are compared with crypto.timingSafeEqual only: `===`, `!==` and Buffer#equals
// stop at the first differing byte, and how long a comparison takes then tells a forger how much was right.
const SECRET_NAME = '/(mac|hmac|signature|digest|secret|password|credential)$/i';
const SECRET_COMPARISONS = [
  {
    // Any equality test between two values that mentions a secret by name; not a presence check (against a literal
    // or undefined) and not one on a length, which are not secret.
    selector:
      `BinaryExpression[operator=/^[!=]==?$/]:has(Identifier[name=${SECRET_NAME}]):not(:has(Identifier[name='length']))` +
      ":not([left.type='Literal']):not([right.type='Literal']):not([left.name='undefined']):not([right.name='undefined'])",
    message: 'Compare secrets and MACs with crypto.timingSafeEqual, never with == or ===.',
  },
  {
    selector: "CallExpression[callee.property.name='equals']",
    message: 'Buffer#equals is not constant-time: compare secrets and MACs with crypto.timingSafeEqual.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'test-artifacts/', 'bench/results/', 'dist/', 'scratch/', '.stryker-tmp/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through src/config (Config once).' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...SECRET_COMPARISONS,
        {
          selector: "CallExpression[callee.property.name='query']",
          message: 'SQL lives in src/db: add a named query to a store there (.dependency-cruiser.cjs keeps pg there too).',
        },
      ],
    },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...SECRET_COMPARISONS] },
  },
  {
    // The launcher (bin/) picks dist/ or the sources before any configuration is read.
    files: ['tests/**', 'bench/**', 'bin/**', 'src/config/load.ts', 'eslint.config.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The console's chart script runs in the browser (src/http/routes/admin/assets.ts serves it), next to uPlot.
    files: ['src/http/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', addEventListener: 'readonly', uPlot: 'readonly' },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
