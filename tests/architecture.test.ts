// The layout stays as README "Architecture" draws it: each rule of .dependency-cruiser.cjs and each
// architecture lint rule refuses the import or statement it is there to refuse.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ESLint } from 'eslint';
import { ROOT } from '../src/paths.ts';

const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const scratch = mkdtempSync(join(tmpdir(), 'paperboy-architecture-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cruise(cwd: string) {
  const run = spawnSync(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A copy of the project's src/ with `files` added, cruised with the project's own rules. */
function cruiseWith(name: string, files: Record<string, string>) {
  const dir = join(scratch, name);
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) cpSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return cruise(dir);
}

test('the source tree keeps every dependency rule', () => {
  const run = cruise(ROOT);
  assert.equal(run.status, 0, run.output);
});

const violations: { rule: string; files: Record<string, string> }[] = [
  {
    rule: 'no-cycles',
    files: {
      'src/text/zz-a.ts': "import { b } from './zz-b.ts';\nexport const a = () => b;\n",
      'src/text/zz-b.ts': "import { a } from './zz-a.ts';\nexport const b = () => a;\n",
    },
  },
  { rule: 'foundations-import-no-layer-above', files: { 'src/db/zz.ts': "export { buildEdition } from '../digest/edition.ts';\n" } },
  { rule: 'domains-do-not-import-http-runtime-cli', files: { 'src/digest/zz.ts': "export { buildApp } from '../http/app.ts';\n" } },
  {
    rule: 'domains-do-not-import-http-runtime-cli',
    files: { 'src/papers/zz.ts': "export { openServices } from '../runtime/services.ts';\n" },
  },
  { rule: 'http-does-not-import-runtime-cli', files: { 'src/http/zz.ts': "export { openServices } from '../runtime/services.ts';\n" } },
  { rule: 'queue-knows-no-domain', files: { 'src/queue/zz.ts': "export { runDigest } from '../digest/digest-job.ts';\n" } },
  { rule: 'mail-knows-no-other-domain', files: { 'src/mail/zz.ts': "export { confirmUrl } from '../subscriptions/links.ts';\n" } },
  { rule: 'postgres-only-in-db', files: { 'src/digest/zz.ts': "import pg from 'pg';\nexport const client = () => new pg.Client();\n" } },
];

for (const { rule, files } of violations) {
  test(`the dependency check refuses a change that breaks ${rule}`, () => {
    const run = cruiseWith(`${rule}-${Object.keys(files)[0]!.replace(/\W+/g, '-')}`, files);
    assert.notEqual(run.status, 0, `depcruise passed although ${Object.keys(files).join(', ')} breaks ${rule}`);
    assert.match(run.output, new RegExp(rule), run.output);
  });
}

const eslint = new ESLint({ cwd: ROOT });
async function lintErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return result!.messages.filter((message) => message.severity === 2).map((message) => message.message);
}

test('a SQL statement outside src/db is refused by the linter; inside it is fine', async () => {
  const code =
    "import type { Queryable } from '../db/pool.ts';\nexport const count = (db: Queryable) => db.query('SELECT count(*) FROM subscribers');\n";
  assert.ok((await lintErrors('src/digest/zz.ts', code)).some((message) => /SQL lives in src\/db/.test(message)));
  const inside =
    "import type { Queryable } from './pool.ts';\nexport const count = (db: Queryable) => db.query('SELECT count(*) FROM subscribers');\n";
  assert.deepEqual(await lintErrors('src/db/zz.ts', inside), []);
});

test('comparing a MAC with !== or Buffer#equals is refused by the linter; timingSafeEqual is fine', async () => {
  const header =
    "import { createHmac, timingSafeEqual } from 'node:crypto';\nconst mac = (payload: string) => createHmac('sha256', 'k').update(payload).digest();\n";
  const hex = `${header}export const check = (payload: string, signature: Buffer) => mac(payload).toString('hex') !== signature.toString('hex');\n`;
  const equals = `${header}export const check = (payload: string, signature: Buffer) => mac(payload).equals(signature);\n`;
  const safe = `${header}export const check = (payload: string, signature: Buffer) => signature.length === 32 && timingSafeEqual(mac(payload), signature);\n`;
  assert.ok((await lintErrors('src/security/zz.ts', hex)).some((message) => /timingSafeEqual/.test(message)));
  assert.ok((await lintErrors('src/security/zz.ts', equals)).some((message) => /timingSafeEqual/.test(message)));
  assert.deepEqual(await lintErrors('src/security/zz.ts', safe), []);
});
