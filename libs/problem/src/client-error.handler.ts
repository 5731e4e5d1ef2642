import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE } from './problem.dto';
import { PROBLEM_CATALOG } from './problem-catalog';
import { buildProblem } from './problem.filter';
import type { ProblemModuleOptions } from './problem.options';

/**
 * Requests Node's HTTP parser rejects before any framework sees them (headers
 * over `maxHeaderSize`, malformed request lines) still get a Problem, not
 * Node's bare status line.
 */
export function answerClientErrorsWithProblems(
  server: Server,
  options: ProblemModuleOptions,
): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const definition = tooLarge
      ? PROBLEM_CATALOG.headersTooLarge
      : PROBLEM_CATALOG.malformedRequest;
    const context = {
      requestId: `req_${randomUUID()}`,
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
    };
    const detail = tooLarge
      ? 'The request headers exceed the size limit'
      : 'The request is not valid HTTP';
    const body = JSON.stringify(buildProblem(definition, detail, '/', context, options));
    socket.end(
      [
        `HTTP/1.1 ${definition.status} ${definition.title}`,
        `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        // The request could not be read, so neither could its Accept-Language.
        'Content-Language: en',
        `X-Request-Id: ${context.requestId}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}
