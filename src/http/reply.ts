import type { FastifyReply, FastifyRequest } from 'fastify';

/** Does the client want JSON (a program) rather than a page (a person)? */
export function wantsJson(request: FastifyRequest): boolean {
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.includes('application/json')) return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Answers a program with `json` and a person with the HTML page `page()` renders, with the same status. */
export function answer(request: FastifyRequest, reply: FastifyReply, status: number, json: object, page: () => string) {
  if (wantsJson(request)) return reply.code(status).send(json);
  return reply.code(status).type('text/html; charset=utf-8').send(page());
}
