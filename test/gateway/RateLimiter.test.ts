/** The token bucket and the persistent-abuse rule, with an explicit clock. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../src/gateway/RateLimiter.ts';

describe('RateLimiter.take(cost, now)', () => {
  it('admits a full burst at once, then `frameRate` per second', () => {
    const limiter = new RateLimiter({ frameRate: 10, frameBurst: 20, rateLimitCloseMs: 0 }, 0);
    for (let i = 0; i < 20; i++) assert.equal(limiter.take(1, 0), 'ok');
    assert.equal(limiter.take(1, 0), 'refuse');
    assert.equal(limiter.take(1, 100), 'ok', 'one token back after 100 ms at 10/s');
    assert.equal(limiter.take(1, 100), 'refuse');
    assert.equal(limiter.take(10, 1100), 'ok', 'ten more a second later');
    assert.equal(limiter.refusals, 2);
  });

  it('never saves up more than the burst', () => {
    const limiter = new RateLimiter({ frameRate: 10, frameBurst: 5, rateLimitCloseMs: 0 }, 0);
    assert.equal(limiter.take(5, 60_000), 'ok');
    assert.equal(limiter.take(1, 60_000), 'refuse');
  });

  it('admits a batch whole or not at all', () => {
    const limiter = new RateLimiter({ frameRate: 1, frameBurst: 10, rateLimitCloseMs: 0 }, 0);
    assert.equal(limiter.take(8, 0), 'ok');
    assert.equal(limiter.take(3, 0), 'refuse');
    assert.equal(limiter.take(2, 0), 'ok', 'the refused batch took no tokens');
  });

  it('closes only when refusals go on for rateLimitCloseMs without a quiet second', () => {
    const limiter = new RateLimiter({ frameRate: 1, frameBurst: 1, rateLimitCloseMs: 3000 }, 0);
    assert.equal(limiter.take(1, 0), 'ok');
    let verdict = '';
    for (let t = 0; t <= 2900; t += 100) verdict = limiter.take(5, t);
    assert.equal(verdict, 'refuse', 'under rateLimitCloseMs of abuse: still only refused');
    assert.equal(limiter.take(5, 3000), 'close');
  });

  it('starts a new episode after a quiet second', () => {
    const limiter = new RateLimiter({ frameRate: 1, frameBurst: 1, rateLimitCloseMs: 3000 }, 0);
    for (let t = 0; t <= 2500; t += 500) limiter.take(5, t);
    // 1.5 s without a refusal: the next refusal starts counting again from zero.
    assert.equal(limiter.take(5, 4000), 'refuse');
    assert.equal(limiter.take(5, 6000), 'refuse', '2 s into the new episode');
    assert.equal(limiter.take(5, 6900), 'refuse');
  });

  it('never closes with rateLimitCloseMs 0 and never refuses with frameRate 0', () => {
    const lenient = new RateLimiter({ frameRate: 1, frameBurst: 1, rateLimitCloseMs: 0 }, 0);
    for (let t = 0; t < 100_000; t += 100) assert.notEqual(lenient.take(5, t), 'close');
    const off = new RateLimiter({ frameRate: 0, frameBurst: 1, rateLimitCloseMs: 10 }, 0);
    for (let i = 0; i < 1000; i++) assert.equal(off.take(100, 0), 'ok');
  });
});
