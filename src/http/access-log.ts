// One access-log line per request, written when the answer has gone out (method, URL with tokens redacted,
// status, time), as pino-http and most web servers do. Fastify's default writes two: one on arrival and one
// on completion, which at info level was a fifth of the API's CPU per subscribe (BENCHMARKS.md "## API").
// The arrival line is still there at debug level, for following a request that never completes.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    // Plain objects, not Fastify's request and reply: the logger's redaction clones what it is given.
    const line = {
      req: { method: request.method, url: request.url },
      res: { statusCode: reply.statusCode },
      responseTime: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
