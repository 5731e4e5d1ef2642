/**
 * `npm run bench:jwt`: what verifying one bearer token costs per request.
 *   - jsonwebtoken.verify, HS256, secret as a KeyObject (what the service does)
 *   - jsonwebtoken.verify, HS256, secret as a string
 *   - JwtStrategy.validate alone (claims checks, roles; no `sid`, so no database)
 *   - JwtStrategy.verifyToken then validate: what JwtAuthGuard runs per request
 *   - the whole passport-jwt strategy: header extraction, verify, validate, success
 *     (what a host's `AuthGuard('sessions-jwt-N')` runs)
 * Median µs/op over several runs. BENCH_JWT_RUNS, BENCH_JWT_OPS tune it.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import type { ModuleRef } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { type AuthenticatedUser, JwtStrategy } from '@session-service/auth';
import { JWT, median, secretKey, signToken } from './lib/common';

const RUNS = Number(process.env.BENCH_JWT_RUNS ?? 7);
const OPS = Number(process.env.BENCH_JWT_OPS ?? 20_000);

const token = signToken('12345', ['admin']);
const options: jwt.VerifyOptions & { complete?: false } = {
  algorithms: ['HS256'],
  issuer: JWT.issuer,
  audience: JWT.audience,
  clockTolerance: 5,
};

/** No session-state checker registered: tokens here carry no `sid` anyway. */
const moduleRef = {
  get: () => {
    throw new Error('not registered');
  },
} as unknown as ModuleRef;
const strategy = new JwtStrategy(
  {
    verificationKey: secretKey,
    algorithms: ['HS256'],
    issuer: JWT.issuer,
    audience: JWT.audience,
  },
  moduleRef,
);
const claims = jwt.verify(token, secretKey, options) as Record<string, unknown>;

interface PassportStrategyLike {
  authenticate(req: unknown, options?: unknown): void;
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  error(err: unknown): void;
}

/** What passport.authenticate does per request: a fresh object over the strategy, then authenticate. */
function viaPassport(): Promise<AuthenticatedUser> {
  return new Promise((resolve, reject) => {
    const s = Object.create(strategy) as PassportStrategyLike;
    s.success = (user) => resolve(user as AuthenticatedUser);
    s.fail = (challenge) => reject(new Error(`fail: ${String(challenge)}`));
    s.error = reject;
    s.authenticate({ headers: { authorization: `Bearer ${token}` } }, { session: false });
  });
}

async function measure(name: string, op: () => unknown): Promise<[string, number, number[]]> {
  const runs: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < OPS; i++) {
      const v = op();
      if (v instanceof Promise) await v;
    }
    const us = ((performance.now() - t0) * 1000) / OPS;
    if (r > 0) runs.push(us); // the first run warms up
  }
  return [name, median(runs), runs];
}

async function main() {
  // sanity: every path accepts the token
  jwt.verify(token, JWT.secret, options);
  const user = await viaPassport();
  if (user.userId !== '12345') throw new Error('passport path did not authenticate');
  const guarded = await strategy.validate(await strategy.verifyToken(token));
  if (guarded.userId !== '12345') throw new Error('the guard path did not authenticate');

  const results = [
    await measure('jsonwebtoken.verify HS256, KeyObject', () =>
      jwt.verify(token, secretKey, options),
    ),
    await measure('jsonwebtoken.verify HS256, string secret', () =>
      jwt.verify(token, JWT.secret, options),
    ),
    await measure('JwtStrategy.validate only', () => strategy.validate(claims)),
    await measure('JwtAuthGuard path: verifyToken, validate', async () =>
      strategy.validate(await strategy.verifyToken(token)),
    ),
    await measure('passport-jwt strategy, full path', viaPassport),
  ];
  console.log(`${RUNS} runs x ${OPS} ops, median µs/op (node ${process.version})\n`);
  for (const [name, us, runs] of results) {
    console.log(
      `${name.padEnd(44)} ${us.toFixed(2).padStart(8)} µs/op   runs: ${runs.map((r) => r.toFixed(1)).join(' ')}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
