import { Logger } from '@nestjs/common';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { type Algorithm, decode } from 'jsonwebtoken';
import { JwksClient, type SigningKey } from 'jwks-rsa';
import { type AuthObserver, notify } from './auth-observer';
import type { ResolvedJwksOptions } from './auth.options';

/** Why no key was found for a token (for metrics): the token itself, or its `kid`. */
export type TokenKeyFailure = 'malformed' | 'signature' | 'unknown_kid';

/** Why no key was found for a token. Every such token is refused the same way (401). */
export class TokenKeyError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown },
    readonly reason: TokenKeyFailure = 'unknown_kid',
  ) {
    super(message, options);
    this.name = 'TokenKeyError';
  }
}

/** Longest `kid` looked up; anything longer is refused without a fetch. */
const MAX_KID_LENGTH = 256;
/** Largest JWKS or discovery document read (real ones are a few kB). */
const MAX_DOCUMENT_BYTES = 512 * 1024;
/** Keys kept in the cache; an identity provider publishes a handful at a time. */
const MAX_CACHED_KEYS = 100;

/** Key type, and EC curve, that each algorithm family needs (RFC 7518 section 3). */
const KEY_TYPES: Record<string, readonly string[]> = {
  RS: ['rsa'],
  PS: ['rsa', 'rsa-pss'],
  ES: ['ec'],
};
const EC_CURVES: Record<string, string> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

/**
 * Finds the public key of a token in the JWKS of an identity provider, by the
 * token's `kid`. Keys are cached (`cacheMaxAgeMs`); a `kid` not in the cache
 * causes one fetch of the JWKS, and such fetches are limited to
 * `refreshPerMinute`, so tokens with made-up `kid`s cannot make it fetch in a
 * loop. With `oidcIssuer`, the JWKS endpoint is read from the provider's
 * discovery document first. Only the configured endpoint (or the one the
 * discovery document names) is ever fetched: `jku`, `x5u` and `jwk` headers
 * are ignored. A fetch that fails or times out refuses the token that needed
 * it; keys already cached keep working.
 */
export class JwksKeyProvider {
  private readonly logger = new Logger(JwksKeyProvider.name);
  private readonly client: JwksClient;
  private readonly keyObjects = new WeakMap<SigningKey, KeyObject>();
  private discovered?: { jwksUri: string; at: number };
  private discovering?: Promise<string>;
  /** The JWKS fetch under way, shared by every lookup that needs one meanwhile. */
  private fetching?: Promise<{ keys: unknown[] }>;
  /** Start times of the fetches of the last minute (the rate limit's window). */
  private readonly recentFetches: number[] = [];
  /** The keys of the last fetch, by `kid`, to report keys added and dropped. */
  private knownKeys?: Map<string, string | undefined>;

  /**
   * `observer` hears of every fetch, failed fetch, and key added or dropped.
   */
  constructor(
    private readonly options: ResolvedJwksOptions,
    private readonly algorithms: readonly Algorithm[],
    private readonly observer?: AuthObserver,
  ) {
    if (Boolean(options.uri) === Boolean(options.oidcIssuer)) {
      throw new Error('JwksKeyProvider needs exactly one of uri and oidcIssuer');
    }
    this.client = new JwksClient({
      jwksUri: options.uri ?? options.oidcIssuer ?? '',
      // Our fetcher: a hard time limit on the whole exchange, a size limit, no redirects, discovery.
      fetcher: () => this.fetchJwks(),
      cache: true,
      cacheMaxAge: options.cacheMaxAgeMs,
      cacheMaxEntries: MAX_CACHED_KEYS,
      // Our own limit (fetchJwks): jwks-rsa's queues concurrent lookups for up to a minute
      // instead of refusing them.
      rateLimit: false,
      timeout: options.timeoutMs,
    });
  }

  /** The verification key of a raw (still unverified) token, or a TokenKeyError. */
  async keyFor(rawToken: unknown): Promise<KeyObject> {
    const decoded = typeof rawToken === 'string' ? decode(rawToken, { complete: true }) : null;
    if (!decoded || typeof decoded.header !== 'object') {
      throw new TokenKeyError('malformed token', undefined, 'malformed');
    }
    const { alg, kid } = decoded.header as { alg?: unknown; kid?: unknown };
    // Checked before any fetch: an algorithm we would refuse anyway never costs a request.
    if (typeof alg !== 'string' || !this.algorithms.includes(alg as Algorithm)) {
      throw new TokenKeyError('algorithm not allowed', undefined, 'signature');
    }
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
      throw new TokenKeyError('token has no usable kid');
    }

    let signingKey: SigningKey;
    try {
      signingKey = await this.client.getSigningKey(kid);
    } catch (error) {
      this.logger.debug(`no key for kid: ${(error as Error).name}: ${(error as Error).message}`);
      throw new TokenKeyError('no key for this kid', { cause: error });
    }
    // A JWK that names its algorithm verifies that algorithm only (RFC 7517 section 4.4).
    if (signingKey.alg && signingKey.alg !== alg) throw new TokenKeyError('kid is for another alg');
    const key = this.keyObject(signingKey);
    if (!keyFitsAlgorithm(key, alg)) {
      throw new TokenKeyError('key does not fit the algorithm', undefined, 'signature');
    }
    return key;
  }

  private keyObject(signingKey: SigningKey): KeyObject {
    let key = this.keyObjects.get(signingKey);
    if (!key) {
      key = createPublicKey(signingKey.getPublicKey());
      this.keyObjects.set(signingKey, key);
    }
    return key;
  }

  /**
   * Called by jwks-rsa for a kid not in its cache. Lookups that arrive while a
   * fetch is under way share it; a new fetch starts only within the rate limit
   * (`refreshPerMinute` in any 60 s), otherwise the lookup fails at once.
   */
  private fetchJwks(): Promise<{ keys: unknown[] }> {
    if (this.fetching) return this.fetching;
    const now = Date.now();
    while (this.recentFetches.length && now - this.recentFetches[0] >= 60_000) {
      this.recentFetches.shift();
    }
    if (this.recentFetches.length >= this.options.refreshPerMinute) {
      return Promise.reject(new TokenKeyError('JWKS refresh rate limit reached'));
    }
    this.recentFetches.push(now);
    this.fetching = this.fetchJwksNow().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async fetchJwksNow(): Promise<{ keys: unknown[] }> {
    const started = performance.now();
    let uri = this.options.uri ?? this.options.oidcIssuer ?? '';
    try {
      uri = await this.jwksUri();
      const document = await fetchJson(uri, this.options.timeoutMs);
      const keys = (document as { keys?: unknown } | null)?.keys;
      if (!Array.isArray(keys)) throw new Error('the JWKS has no keys array');
      const durationMs = Math.round(performance.now() - started);
      this.logger.log(`JWKS fetched from ${uri}: ${keys.length} keys in ${durationMs} ms`);
      notify(this.observer, 'jwksFetched', { uri, keys: keys.length, durationMs });
      this.noteKeys(keys);
      return { keys };
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      const message = (error as Error).message;
      this.logger.warn(`JWKS fetch from ${uri} failed after ${durationMs} ms: ${message}`);
      notify(this.observer, 'jwksFailed', { uri, durationMs, error: message });
      throw error;
    }
  }

  /** Logs and reports the keys that appeared in (or went from) the JWKS since the last fetch. */
  private noteKeys(keys: unknown[]): void {
    const current = new Map<string, string | undefined>();
    for (const key of keys) {
      const { kid, alg } = (key ?? {}) as { kid?: unknown; alg?: unknown };
      if (typeof kid === 'string') current.set(kid, typeof alg === 'string' ? alg : undefined);
    }
    const previous = this.knownKeys ?? new Map<string, string | undefined>();
    for (const [kid, alg] of current) {
      if (previous.has(kid)) continue;
      this.logger.log(`JWKS key added: kid ${kid}, alg ${alg ?? 'unspecified'}`);
      notify(this.observer, 'keyAdded', { kid, alg });
    }
    for (const [kid, alg] of previous) {
      if (current.has(kid)) continue;
      this.logger.log(`JWKS key dropped: kid ${kid}, alg ${alg ?? 'unspecified'}`);
      notify(this.observer, 'keyDropped', { kid, alg });
    }
    this.knownKeys = current;
  }

  /** The JWKS endpoint: configured, or discovered (and rediscovered after `cacheMaxAgeMs`). */
  private async jwksUri(): Promise<string> {
    if (this.options.uri) return this.options.uri;
    const fresh = this.discovered && Date.now() - this.discovered.at < this.options.cacheMaxAgeMs;
    if (fresh) return this.discovered!.jwksUri;
    this.discovering ??= this.discover().finally(() => (this.discovering = undefined));
    try {
      return await this.discovering;
    } catch (error) {
      // The provider's discovery is down: the endpoint it named last time is still the best guess.
      if (this.discovered) {
        this.logger.warn(
          `OIDC discovery failed, using the last JWKS endpoint: ${(error as Error).message}`,
        );
        return this.discovered.jwksUri;
      }
      throw error;
    }
  }

  private async discover(): Promise<string> {
    const issuer = this.options.oidcIssuer!;
    const document = (await fetchJson(discoveryUrl(issuer), this.options.timeoutMs)) as {
      issuer?: unknown;
      jwks_uri?: unknown;
    } | null;
    if (typeof document?.issuer !== 'string' || typeof document.jwks_uri !== 'string') {
      throw new Error('the discovery document has no issuer or jwks_uri');
    }
    // OpenID Connect Discovery 1.0 section 4.3: the issuer must be the one we asked.
    if (this.options.requireDiscoveredIssuer && document.issuer !== issuer) {
      throw new Error(
        `the discovery document names issuer ${document.issuer}, not ${issuer}: set JWT_OIDC_ISSUER to it`,
      );
    }
    const jwksUri = parseHttpUrl(document.jwks_uri);
    if (!jwksUri) throw new Error('jwks_uri is not an http(s) URL');
    if (new URL(issuer).protocol === 'https:' && jwksUri.protocol !== 'https:') {
      throw new Error('jwks_uri must use https, as the issuer does');
    }
    this.discovered = { jwksUri: jwksUri.href, at: Date.now() };
    return jwksUri.href;
  }
}

/** OpenID Connect Discovery 1.0 section 4: a terminating `/` of the issuer is removed first. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** RS* needs an RSA key, PS* an RSA or RSA-PSS key, ES* an EC key on the algorithm's curve. */
export function keyFitsAlgorithm(key: KeyObject, alg: string): boolean {
  if (key.type !== 'public') return false;
  const types = KEY_TYPES[alg.slice(0, 2)];
  if (!types?.includes(key.asymmetricKeyType ?? '')) return false;
  return key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve === EC_CURVES[alg];
}

/** GET a JSON document: 2xx only, no redirects, at most MAX_DOCUMENT_BYTES, all within `timeoutMs`. */
async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetch(url, {
    signal,
    redirect: 'error',
    headers: { accept: 'application/json' },
  });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`${url} answered ${response.status}`);
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_DOCUMENT_BYTES) {
      await reader.cancel();
      throw new Error(`${url} sent more than ${MAX_DOCUMENT_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}
