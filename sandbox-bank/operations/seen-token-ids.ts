import { CLOCK_TOLERANCE_SECONDS } from '../../src/protocols/native.js';

/**
 * The `jti` of every operation request accepted, per merchant, kept while the token could still
 * verify (exp + the clock tolerance): a replayed token is refused, a retry is a new token.
 */
export class SeenTokenIds {
  private readonly expiries = new Map<string, number>();

  /** Remembers the id and says whether it is new. */
  remember(merchantId: string, jti: string, exp: number, now: Date): boolean {
    const nowMs = now.getTime();
    for (const [key, until] of this.expiries) if (until < nowMs) this.expiries.delete(key);
    const key = `${merchantId}\n${jti}`;
    if (this.expiries.has(key)) return false;
    this.expiries.set(key, Math.ceil(exp + CLOCK_TOLERANCE_SECONDS) * 1000);
    return true;
  }
}
