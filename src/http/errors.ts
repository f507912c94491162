import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { answer } from './reply.ts';

/**
 * Errors the API answers with on purpose; anything else is a 500 that reveals nothing. Each carries a stable
 * machine-readable code for JSON clients (`invalid_token`, `rate_limited`…), which @fastify/sensible's errors
 * have no place for: hence this small class rather than that plugin.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** The page a person is shown instead of the generic error page (the form again, with what they typed). */
    readonly page?: () => string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'bad_request') => new HttpError(400, code, message);
export const notFound = (message: string, code = 'not_found') => new HttpError(404, code, message);

export type ErrorPageRenderer = (status: number, message: string) => string;

function isDatabaseDown(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08003'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(message)
  );
}

/** The multipart parser (busboy) rejects a malformed body with a plain Error: the client's mistake, not ours. */
function isUnreadableMultipart(error: FastifyError, request: FastifyRequest): boolean {
  const multipart = (request as FastifyRequest & { isMultipart?: () => boolean }).isMultipart?.() ?? false;
  return multipart && typeof error.statusCode !== 'number';
}

/** 415 -> 'unsupported_media_type'. */
function statusName(status: number): string {
  return (STATUS_CODES[status] ?? 'bad_request').toLowerCase().replace(/[^a-z]+/g, '_');
}

export function installErrorHandler(app: FastifyInstance, renderPage: ErrorPageRenderer): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let status: number;
    let code: string;
    let message: string;
    if (error instanceof HttpError) {
      ({ statusCode: status, code, message } = error);
    } else if (error.validation) {
      status = 400;
      code = 'invalid_request';
      message = `Invalid request: ${error.message}`;
    } else if (isUnreadableMultipart(error, request)) {
      status = 400;
      code = 'invalid_request';
      message = 'The form could not be read. Please go back and try again.';
    } else if (isDatabaseDown(error)) {
      status = 503;
      code = 'unavailable';
      message = 'The service is briefly unavailable. Please try again in a minute.';
      reply.header('retry-after', '30');
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      // Fastify's own codes (FST_ERR_CTP_INVALID_MEDIA_TYPE…) name our framework: answer with the status' name.
      code = !error.code || error.code.startsWith('FST_') ? statusName(status) : error.code;
      message = error.message;
    } else {
      status = 500;
      code = 'internal_error';
      message = 'Something went wrong on our side. Please try again later.';
    }
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const page = error instanceof HttpError ? error.page : undefined;
    return answer(request, reply, status, { error: code, message }, page ?? (() => renderPage(status, message)));
  });
}
