import { fileURLToPath } from 'node:url';

/** The package root, so templates, migrations and SQL are found whatever the working directory. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));
export const SQL_DIR = fileURLToPath(new URL('./db/sql/', import.meta.url));
