import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A port free right now on 127.0.0.1 (the transmitter's issuer must be known before it listens). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ReceivedRequest {
  method: string;
  contentType: string;
  authorization?: string;
  body: string;
  /** The status the receiver answered. */
  status: number;
}

/**
 * An HTTP receiver for pushed SETs or logout tokens: records every request
 * and answers `respond()`'s status (a test switches it to play a receiver
 * that is down or refuses).
 */
export async function startReceiver(
  respond: (req: IncomingMessage, body: string) => { status: number; body?: string } = () => ({
    status: 202,
  }),
): Promise<{ url: string; requests: ReceivedRequest[]; close: () => Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const answer = respond(req, body);
      requests.push({
        method: req.method ?? '',
        contentType: String(req.headers['content-type']),
        authorization: req.headers.authorization,
        body,
        status: answer.status,
      });
      res.statusCode = answer.status;
      if (answer.body !== undefined) res.setHeader('content-type', 'application/json');
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
