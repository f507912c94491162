import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SQL_DIR } from '../paths.ts';

/**
 * Loads the named queries of one file in src/db/sql (`-- name: find-subscriber` then the SQL),
 * listmonk style: SQL is read as SQL, and a query the code asks for but the file lacks fails at boot.
 */
export function loadQueries<const Names extends string>(file: string, names: readonly Names[]): Record<Names, string> {
  const text = readFileSync(join(SQL_DIR, file), 'utf8');
  const found = new Map<string, string>();
  for (const block of text.split(/^-- name:\s*/m).slice(1)) {
    const newline = block.indexOf('\n');
    const name = block.slice(0, newline).trim();
    found.set(
      name,
      block
        .slice(newline + 1)
        .trim()
        .replace(/;\s*$/, ''),
    );
  }
  const queries = {} as Record<Names, string>;
  for (const name of names) {
    const sql = found.get(name);
    if (!sql) throw new Error(`query "${name}" is missing from src/db/sql/${file}`);
    queries[name] = sql;
  }
  return queries;
}
