import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Masks an address for logs: "ada.lovelace@example.org" -> "a***@e***.org". */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  const domain = address.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${address[0]}***@${domain[0] ?? ''}***${tld}`;
}

/** Removes token values from logged URLs: a logged token is a working unsubscribe link. */
export function redactTokens(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/g, '$1[redacted]');
}

/**
 * `destination` defaults to stdout, written asynchronously: lines logged while a write is in progress go out
 * together in the next one (one system call for many lines under load, one per line when quiet). Pino
 * flushes what is pending when the process exits; only a SIGKILL or a crash of Node itself can lose the
 * last lines. Tests pass a buffer to read what was logged.
 */
export function createLogger(level: string, name = 'paperboy', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, url: redactTokens(req.url ?? '') }),
      err: pino.stdSerializers.err,
    },
    // Never log secrets or whole addresses, whatever an object carries.
    redact: {
      paths: [
        'SECRET_KEY',
        '*.SECRET_KEY',
        'password',
        '*.password',
        'token',
        '*.token',
        'req.query.token',
        'req.headers.authorization',
        'req.headers.cookie',
        'email',
        '*.email',
      ],
      censor: '[redacted]',
    },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
