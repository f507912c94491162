// Where `paperboy ingest` reads a listing from: a file, an http(s) URL, or stdin ("-").
import { open } from 'node:fs/promises';
import { fetchListing, readCapped, type FetchLimits } from './fetch.ts';

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export async function readListingSource(source: string, limits: FetchLimits, stdin: AsyncIterable<Uint8Array>): Promise<string> {
  if (source === '-') return readCapped(stdin, limits.maxBytes);
  if (isUrl(source)) return fetchListing(source, limits);
  const file = await open(source, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `no such file: ${source}` : `cannot read ${source}: ${error.message}`);
  });
  try {
    return await readCapped(file.createReadStream(), limits.maxBytes);
  } finally {
    await file.close();
  }
}
