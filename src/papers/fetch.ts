// Fetching a listing over HTTP with a deadline and a size cap: a slow or huge response is an error,
// never a hung worker or an exhausted heap.

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

export class ListingFetchError extends Error {
  override name = 'ListingFetchError';
  /** false when trying again cannot help (404, a body over the cap). */
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

function tooLarge(maxBytes: number): ListingFetchError {
  return new ListingFetchError(`the listing is larger than PAPERS_MAX_BYTES (${maxBytes} bytes)`, false);
}

/** Reads a byte stream to text, failing as soon as it grows past `maxBytes`. */
export async function readCapped(stream: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GETs a Daily Papers listing. The timeout covers the whole exchange, body included. */
export async function fetchListing(url: string, limits: FetchLimits): Promise<string> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept: 'application/json, application/x-ndjson;q=0.9' }, redirect: 'follow' });
  } catch (error) {
    throw asFetchError(error, url, limits);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    // 408/429 and 5xx are the server's passing trouble; other 4xx will not change by asking again.
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new ListingFetchError(`GET ${url} answered HTTP ${response.status}`, retryable);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(limits.maxBytes);
  }
  if (!response.body) return '';
  try {
    return await readCapped(response.body, limits.maxBytes);
  } catch (error) {
    await response.body.cancel().catch(() => {});
    throw asFetchError(error, url, limits);
  }
}

function asFetchError(error: unknown, url: string, limits: FetchLimits): ListingFetchError {
  if (error instanceof ListingFetchError) return error;
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ListingFetchError(`GET ${url} timed out after ${limits.timeoutMs} ms`, true);
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return new ListingFetchError(`GET ${url} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`, true);
}
