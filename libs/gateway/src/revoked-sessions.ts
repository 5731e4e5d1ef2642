/**
 * Revoked session ids, each kept only until every token of its session has
 * expired (revocation time + the longest token lifetime + clock tolerance), and
 * never more than `capacity` of them.
 */
export class RevokedSessions {
  /** Session id -> when the last token it could carry expires (epoch ms). */
  private readonly expiries = new Map<string, number>();
  private evictedCount = 0;
  private lastSweep = -Infinity;

  constructor(
    private readonly lifetimeMs: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('maxRevokedSessions must be a positive integer');
    }
  }

  /**
   * Records a revocation made at `revokedAtMs`. A revocation whose tokens have
   * all expired already is not kept: no token of it can pass verification.
   */
  add(sessionId: string, revokedAtMs: number): boolean {
    const expiresAt = revokedAtMs + this.lifetimeMs;
    const now = this.now();
    if (expiresAt <= now) return false;
    const known = this.expiries.get(sessionId);
    if (known !== undefined) {
      if (expiresAt > known) this.expiries.set(sessionId, expiresAt);
      return true;
    }
    if (this.expiries.size >= this.capacity && now - this.lastSweep >= 1000) this.sweep(now);
    if (this.expiries.size >= this.capacity) {
      // Full of live entries: drop the oldest revocation (insertion order is
      // near expiry order, every entry having the same lifetime); it counts as
      // evicted in the metrics, so the bound is visible.
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
      this.evictedCount++;
    }
    this.expiries.set(sessionId, expiresAt);
    return true;
  }

  has(sessionId: string): boolean {
    const expiresAt = this.expiries.get(sessionId);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.expiries.delete(sessionId);
    return false;
  }

  /** Drops the entries whose tokens have all expired. */
  sweep(now = this.now()): void {
    this.lastSweep = now;
    for (const [id, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(id);
  }

  get size(): number {
    return this.expiries.size;
  }

  /** Live revocations dropped because the store was full. */
  get evicted(): number {
    return this.evictedCount;
  }
}
