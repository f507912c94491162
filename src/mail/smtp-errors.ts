// What an SMTP failure means for a delivery: try again later, or never again to this address.

export type SmtpFailure =
  /** 5xx for this recipient or message: the delivery fails and the address is suppressed. */
  | { kind: 'permanent'; code: number | null; detail: string }
  /** 4xx, a dropped connection, a timeout, a refused login: retried with backoff, never suppressed. */
  | { kind: 'temporary'; code: number | null; detail: string };

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  command?: string;
}

/** Keeps what the server said, on one line and short (it ends up in deliveries.last_error). */
function describe(error: NodemailerError): string {
  const text = (error.response || error.message || String(error)).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

export function classifySmtpError(error: unknown): SmtpFailure {
  const failure = (error ?? {}) as NodemailerError;
  const code = typeof failure.responseCode === 'number' ? failure.responseCode : null;
  const detail = describe(failure);
  // A refused login or a broken TLS setup is our configuration, not the reader's address.
  if (failure.code === 'EAUTH' || failure.code === 'ETLS' || failure.code === 'ECONFIG') return { kind: 'temporary', code, detail };
  if (code !== null && code >= 500 && code < 600) return { kind: 'permanent', code, detail };
  return { kind: 'temporary', code, detail };
}
