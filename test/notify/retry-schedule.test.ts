import { expect } from 'chai';
import fc from 'fast-check';
import { DEFAULT_RETRY_SCHEDULE, nextRetryAt } from '../../src/notify/retry-schedule.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const QUEUED = new Date('2025-03-01T10:00:00.000Z');

const at = (ms: number) => new Date(QUEUED.getTime() + ms);
const fixed = (value: number) => ({ ...DEFAULT_RETRY_SCHEDULE, random: () => value });

describe('retry schedule', () => {
  it('defaults to 10 s doubling, capped at 6 h, for 3 days', () => {
    expect(DEFAULT_RETRY_SCHEDULE).to.deep.equal({ baseMs: 10 * SECOND, maxDelayMs: 6 * HOUR, maxAgeMs: 3 * DAY });
  });

  it('waits a jittered share of a ceiling that doubles per try (full jitter)', () => {
    const delays = [1, 2, 3, 4, 5].map((n) => nextRetryAt(n, QUEUED, QUEUED, fixed(0.5))!.getTime() - QUEUED.getTime());
    expect(delays).to.deep.equal([5 * SECOND, 10 * SECOND, 20 * SECOND, 40 * SECOND, 80 * SECOND]);
    expect(nextRetryAt(1, QUEUED, QUEUED, fixed(0))!.getTime()).to.equal(QUEUED.getTime());
    expect(nextRetryAt(1, QUEUED, QUEUED, fixed(0.9999))!.getTime() - QUEUED.getTime()).to.be.below(10 * SECOND);
  });

  it('grows monotonically with a fixed random until the cap, then stays there', () => {
    let previous = -1;
    for (let n = 1; n <= 40; n++) {
      const delay = nextRetryAt(n, QUEUED, QUEUED, fixed(0.999))!.getTime() - QUEUED.getTime();
      expect(delay).to.be.at.least(previous);
      expect(delay).to.be.below(6 * HOUR);
      previous = delay;
    }
    expect(previous).to.equal(Math.floor(0.999 * 6 * HOUR));
  });

  it('never overflows for absurd attempt numbers', () => {
    const next = nextRetryAt(10_000, QUEUED, QUEUED, fixed(0.5));
    expect(next!.getTime() - QUEUED.getTime()).to.equal(3 * HOUR);
  });

  it('gives up (null) once the next try would be past the maximum age', () => {
    const now = at(3 * DAY - HOUR);
    expect(nextRetryAt(20, QUEUED, now, fixed(0.1))).to.deep.equal(new Date(now.getTime() + 0.1 * 6 * HOUR));
    expect(nextRetryAt(20, QUEUED, now, fixed(0.5))).to.equal(null);
    expect(nextRetryAt(1, QUEUED, at(3 * DAY + 1), fixed(0))).to.equal(null);
    expect(nextRetryAt(1, QUEUED, at(3 * DAY), fixed(0))).to.deep.equal(at(3 * DAY));
  });

  it('keeps retrying for about three days and then stops, whatever the jitter', () => {
    for (const random of [0.01, 0.5, 0.999]) {
      let now = QUEUED;
      let attempt = 1;
      for (;;) {
        const next = nextRetryAt(attempt, QUEUED, now, fixed(random));
        if (!next) break;
        expect(next.getTime()).to.be.at.least(now.getTime());
        now = next;
        attempt++;
      }
      expect(now.getTime()).to.be.at.most(at(3 * DAY).getTime());
      // The last try is within one capped wait of the deadline.
      expect(now.getTime()).to.be.above(at(3 * DAY - 6 * HOUR).getTime());
    }
  });

  it('is always between now and the ceiling, never past the maximum age (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 4 * DAY }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, elapsed, random) => {
          const now = at(elapsed);
          const next = nextRetryAt(attempt, QUEUED, now, fixed(random));
          const ceiling = Math.min(6 * HOUR, 10 * SECOND * 2 ** (attempt - 1));
          if (next === null) return now.getTime() + Math.floor(random * ceiling) > at(3 * DAY).getTime();
          return next.getTime() >= now.getTime() && next.getTime() - now.getTime() < ceiling && next.getTime() <= at(3 * DAY).getTime();
        },
      ),
    );
  });

  it('uses Math.random when no random is given, and refuses attempt 0', () => {
    const next = nextRetryAt(3, QUEUED, QUEUED, DEFAULT_RETRY_SCHEDULE)!;
    expect(next.getTime() - QUEUED.getTime()).to.be.within(0, 40 * SECOND - 1);
    expect(() => nextRetryAt(0, QUEUED, QUEUED)).to.throw(RangeError);
  });
});
