// Which way dependencies point (README "Architecture", ../shared/STYLE.md):
//   cli → runtime → http → digest → (subscriptions, papers) → mail → (db, queue, security, batching, text) → config
// runtime/ is the one composition root; queue/ is plumbing that knows no domain; every SQL statement lives in db/.
// `npm test` runs this (npm run check:deps); tests/architecture.test.ts proves each rule fails on a forbidden import.
const DOMAINS = '(subscriptions|papers|digest|mail)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A module cycle makes the order of loading (and so of every default) depend on who imports first.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domains-do-not-import-http-runtime-cli',
      severity: 'error',
      comment: 'Domains are used by http/ and runtime/, never the other way: pass a function in instead.',
      from: { path: `^src/${DOMAINS}/` },
      to: { path: '^src/(http|runtime|cli)/' },
    },
    {
      name: 'http-does-not-import-runtime-cli',
      severity: 'error',
      comment: 'The HTTP layer is handed its parts (src/http/deps.ts); only runtime/ builds them.',
      from: { path: '^src/http/' },
      to: { path: '^src/(runtime|cli)/' },
    },
    {
      name: 'runtime-does-not-import-cli',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'queue-knows-no-domain',
      severity: 'error',
      comment: 'queue/ is plumbing (connection, the typed queue map, starting workers): each domain hands it processors.',
      from: { path: '^src/queue/' },
      to: { path: `^src/(${DOMAINS.slice(1, -1)}|http|runtime|cli)/` },
    },
    {
      name: 'mail-knows-no-other-domain',
      severity: 'error',
      comment: 'mail/ composes and sends messages; what goes in them is decided above it.',
      from: { path: '^src/mail/' },
      to: { path: '^src/(subscriptions|papers|digest)/' },
    },
    {
      name: 'subscriptions-and-papers-do-not-import-digest',
      severity: 'error',
      comment: 'The digest builds on subscribers and papers; they know nothing of it.',
      from: { path: '^src/(subscriptions|papers)/' },
      to: { path: '^src/digest/' },
    },
    {
      name: 'subscriptions-and-papers-are-independent',
      severity: 'error',
      from: { path: '^src/(subscriptions|papers)/' },
      to: { path: '^src/(subscriptions|papers)/', pathNot: '^src/$1/' },
    },
    {
      name: 'foundations-import-no-layer-above',
      severity: 'error',
      comment: 'db, security, batching, text and config are the floor: they import nothing above them.',
      from: { path: '^src/(db|security|batching|text|config)/' },
      to: { path: `^src/(${DOMAINS.slice(1, -1)}|http|runtime|cli|queue)/` },
    },
    {
      name: 'postgres-only-in-db',
      severity: 'error',
      comment: 'Every SQL statement lives in src/db (named .sql files and the small stores around them).',
      from: { path: '^src/', pathNot: '^src/db/' },
      to: { path: '^(pg|pg-copy-streams)$|node_modules/(pg|pg-copy-streams)/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
