/**
 * A connection blip under load (see blip.ts): every broker connection of 2 gateways and 2
 * workers closed at once. No client sees it: nothing lost or duplicated, no TIMEOUT, at most
 * 0.1% UNAVAILABLE, and answers in every second of the run.
 *
 * The CI form runs 24 s with one blip, at 12 s; WARREN_BLIP_LONG=1 (`npm run blip`) runs 90 s with a
 * blip every 15 s.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needsBroker } from '../helpers/broker.ts';
import { formatBlip, runBlip } from './blip.ts';

const long = process.env.WARREN_BLIP_LONG === '1';

describe('blip: every broker connection closed once, under load', { ...(await needsBroker()), timeout: long ? 240_000 : 120_000 }, () => {
  it('no client sees it: 0 lost, 0 duplicated, 0 TIMEOUT, UNAVAILABLE ≤ 0.1%, answers every second', async (t) => {
    const report = await runBlip(
      long ? { seconds: 90, everySeconds: 15, clients: 40, inFlight: 5 } : { seconds: 24, everySeconds: 12, clients: 20, inFlight: 5 },
    );
    for (const line of formatBlip(report).split('\n')) t.diagnostic(line);
    assert.ok(report.blips.length >= 1 && report.blips.every((b) => b.closed === 4), `4 connections closed per blip: ${JSON.stringify(report.blips)}`);
    assert.deepEqual(report.connects, report.connects.map(() => report.blips.length + 1), 'every process reconnected after every blip');
    assert.ok(report.sent > 1000, `load: ${report.sent} calls`);
    assert.equal(report.lost, 0, 'lost');
    assert.equal(report.duplicated, 0, 'duplicated');
    assert.equal(report.errors.TIMEOUT ?? 0, 0, 'TIMEOUT');
    const unavailable = report.errors.UNAVAILABLE ?? 0;
    assert.ok(unavailable <= report.sent / 1000, `UNAVAILABLE ${unavailable} of ${report.sent} calls, above 0.1%`);
    assert.deepEqual(Object.keys(report.errors).filter((name) => name !== 'UNAVAILABLE'), [], 'no other errors');
    const silent = report.timeline.filter((s) => s.ok === 0).map((s) => s.second);
    assert.deepEqual(silent, [], 'seconds without a single successful answer');
    assert.equal(report.queueMessages, 0);
  });
});
