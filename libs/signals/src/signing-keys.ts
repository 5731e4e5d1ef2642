import {
  calculateJwkThumbprint,
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWK,
  SignJWT,
} from 'jose';

/** What signs the service's SETs and logout tokens, and what `/.well-known/jwks.json` publishes. */
export interface SigningKeyOptions {
  /**
   * The private key: a JWK (JSON text or object) or a PKCS #8 PEM. Absent: a
   * key pair is generated at start-up (its tokens cannot be verified after a restart).
   */
  signingKey?: string | JWK;
  /** `kid` of the key; default its RFC 7638 thumbprint (or the JWK's own `kid`). */
  signingKeyId?: string;
  /** JWS algorithm; default the JWK's `alg`, else `ES256`. */
  signingAlgorithm?: string;
  /** Public keys still published (rotation): tokens they signed verify until they are removed. */
  previousKeys?: JWK[];
}

/** Public members of a JWK: never publish `d`, `p`, `q`, `dp`, `dq`, `qi`, `k`. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

function publicJwk(jwk: JWK): JWK {
  const members: JWK = {};
  for (const m of PUBLIC_MEMBERS) if (jwk[m] !== undefined) members[m] = jwk[m];
  return members;
}

/** The signing key and the published JWKS. */
export class SigningKeys {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly keyId: string,
    readonly algorithm: string,
    private readonly published: JWK[],
  ) {}

  static async load(options: SigningKeyOptions): Promise<SigningKeys> {
    const given = options.signingKey;
    let algorithm = options.signingAlgorithm;
    let privateKey: CryptoKey;
    let jwk: JWK;
    if (given === undefined) {
      algorithm ??= 'ES256';
      const pair = await generateKeyPair(algorithm, { extractable: true });
      privateKey = pair.privateKey;
      jwk = await exportJWK(pair.publicKey);
    } else if (typeof given === 'string' && given.includes('-----BEGIN')) {
      algorithm ??= 'ES256';
      privateKey = await importPKCS8(given.replace(/\\n/g, '\n'), algorithm, { extractable: true });
      jwk = await exportJWK(privateKey);
    } else {
      const parsed = (typeof given === 'string' ? JSON.parse(given) : given) as JWK;
      if (!parsed.d) throw new Error('signals: the signing key must be a private JWK (with "d")');
      algorithm ??= parsed.alg ?? 'ES256';
      privateKey = (await importJWK(parsed, algorithm, { extractable: true })) as CryptoKey;
      jwk = parsed;
    }
    if (!/^(ES|RS|PS)(256|384|512)$|^EdDSA$|^Ed25519$/.test(algorithm)) {
      throw new Error(`signals: ${algorithm} is not an asymmetric JWS algorithm`);
    }
    const pub = publicJwk(jwk);
    const keyId = options.signingKeyId ?? jwk.kid ?? (await calculateJwkThumbprint(pub));
    const current: JWK = { ...pub, kid: keyId, alg: algorithm, use: 'sig' };
    const previous = (options.previousKeys ?? []).map(publicJwk);
    return new SigningKeys(privateKey, keyId, algorithm, [current, ...previous]);
  }

  /** RFC 7517 JWK Set of the current key and the previous ones. */
  jwks(): { keys: JWK[] } {
    return { keys: this.published.map((k) => ({ ...k })) };
  }

  /** A compact JWS of `claims` with `typ` (RFC 8725 section 3.11: explicit typing). */
  sign(claims: Record<string, unknown>, typ: string): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.algorithm, kid: this.keyId, typ })
      .sign(this.privateKey);
  }
}
