import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE } from './problem.dto';
import { PROBLEM_CATALOG } from './problem-catalog';
import { buildProblem } from './problem.filter';
import { renderDetail } from './problem-i18n';
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
    // A response already under way on this socket would be corrupted by another one.
    if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const definition =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? PROBLEM_CATALOG.headersTooLarge
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? PROBLEM_CATALOG.requestTimeout
          : PROBLEM_CATALOG.malformedRequest;
    const context = {
      requestId: `req_${randomUUID()}`,
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
    };
    const detail = renderDetail(definition, 'default', {});
    const body = JSON.stringify(buildProblem(definition, detail, '/', context, options));
    socket.end(
      [
        `HTTP/1.1 ${definition.status} ${definition.title}`,
        // The same media type and charset as every other Problem (ProblemFilter).
        `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        // The request could not be read, so neither could its Accept-Language.
        'Content-Language: en',
        'Cache-Control: no-store',
        `X-Request-Id: ${context.requestId}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}
