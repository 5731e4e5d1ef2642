/**
 * Test helpers: signing keys published as a JWKS by a local HTTP server, as an
 * identity provider would. For specs only; not exported from the library index.
 */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, type SignOptions } from 'jsonwebtoken';

export type TestAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'ES384';

export interface TestSigningKey {
  kid: string;
  alg: TestAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as published: `kty`, `n`/`e` or `crv`/`x`/`y`, plus `kid`, `alg`, `use`. */
  jwk: Record<string, unknown>;
}

/** A fresh key pair for `alg` (RSA 2048 or EC P-256/P-384) and its public JWK. */
export function generateSigningKey(
  alg: TestAlgorithm,
  kid: string = randomUUID(),
  jwkExtras: Record<string, unknown> = { alg, use: 'sig' },
): TestSigningKey {
  const { privateKey, publicKey } = alg.startsWith('ES')
    ? generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, ...jwkExtras };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** A token signed with `key`, its `kid` in the header (unless `options.keyid` overrides it). */
export function signWith(
  key: TestSigningKey,
  payload: Record<string, unknown>,
  options: SignOptions = {},
): string {
  return sign(payload, key.privateKey, {
    algorithm: key.alg,
    keyid: key.kid,
    expiresIn: '10m',
    ...options,
  });
}

/**
 * Serves `GET /jwks` (the published keys) and, with `discovery`, `GET
 * /.well-known/openid-configuration`, on 127.0.0.1 at a free port. Counts the
 * requests, and can answer 500 or stall to play an identity provider in trouble.
 */
export class JwksTestServer {
  /** Keys published in the JWKS, in order. */
  keys: TestSigningKey[] = [];
  /** Extra raw JWKs published as they are (e.g. malformed or foreign ones). */
  rawJwks: Record<string, unknown>[] = [];
  /** `ok`: answer; `error`: 500; `stall`: accept and never answer. */
  mode: 'ok' | 'error' | 'stall' = 'ok';
  /** The discovery document alone answers 500 (the JWKS still answers per `mode`). */
  discoveryDown = false;
  /** JWKS requests received (any mode). */
  jwksRequests = 0;
  /** Discovery requests received (any mode). */
  discoveryRequests = 0;
  /** The `traceparent` header of each request received, when it had one. */
  traceparents: string[] = [];
  /** The discovery document's `issuer`; defaults to this server's URL. */
  issuer?: string;
  /** The discovery document's `jwks_uri`; defaults to this server's `/jwks`. */
  jwksUriOverride?: string;
  /** Answer each JWKS request with this body instead (a string is sent as is). */
  jwksBodyOverride?: string;

  private port = 0;

  private constructor(private readonly server: Server) {}

  static async start(keys: TestSigningKey[] = []): Promise<JwksTestServer> {
    const server = createServer((req, res) => {
      const traceparent = req.headers.traceparent;
      if (typeof traceparent === 'string') instance.traceparents.push(traceparent);
      instance.handle(req.url ?? '/', res);
    });
    const instance = new JwksTestServer(server);
    instance.keys = keys;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    instance.port = (server.address() as AddressInfo).port;
    return instance;
  }

  /** Where it listens (or listened: the address stays known after close). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get jwksUrl(): string {
    return `${this.url}/jwks`;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Stops listening and drops every open connection (stalled ones included). */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private handle(url: string, res: import('node:http').ServerResponse): void {
    const path = url.split('?')[0];
    if (path === '/jwks') this.jwksRequests++;
    else if (path === '/.well-known/openid-configuration') this.discoveryRequests++;
    else {
      res.writeHead(404).end();
      return;
    }
    if (this.mode === 'stall') return;
    if (this.mode === 'error' || (this.discoveryDown && path !== '/jwks')) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('identity provider trouble');
      return;
    }
    const body =
      path === '/jwks'
        ? (this.jwksBodyOverride ??
          JSON.stringify({ keys: [...this.keys.map((k) => k.jwk), ...this.rawJwks] }))
        : JSON.stringify({
            issuer: this.issuer ?? this.url,
            jwks_uri: this.jwksUriOverride ?? this.jwksUrl,
            id_token_signing_alg_values_supported: ['RS256', 'ES256'],
          });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  }
}
