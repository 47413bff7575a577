/**
 * Frames for the fuzz run: well-formed seeds, fast-check arbitraries shaped like JSON-RPC
 * (and like nothing at all), and a mutation loop over the seeds' text. Deterministic for a
 * given seed, so a failing run can be replayed with FUZZ_SEED.
 */
import fc from 'fast-check';

/** A small deterministic PRNG (mulberry32): the mutation loop must replay from a seed too. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Valid requests, notifications and batches against the testkit service `service`. */
export function seedFrames(service: string): string[] {
  const m = (name: string) => `${service}.${name}`;
  const requests: object[] = [
    { jsonrpc: '2.0', id: 1, method: m('echo'), params: { value: { nested: [1, 'two', null, true] }, tag: 't' } },
    { jsonrpc: '2.0', id: 'a', method: m('add'), params: [1, 2] },
    { jsonrpc: '2.0', id: null, method: m('boom'), params: {} },
    { jsonrpc: '2.0', id: 2.5, method: m('wrongShape') },
    { jsonrpc: '2.0', id: 3, method: m('fail'), params: { reason: 'no' } },
    { jsonrpc: '2.0', id: 4, method: m('whoami'), params: {} },
    { jsonrpc: '2.0', id: 5, method: m('shout'), params: { topic: 'fuzz', text: 'hi' } },
    { jsonrpc: '2.0', id: 6, method: m('sleep'), params: { ms: 5, id: 'z' } },
    { jsonrpc: '2.0', id: 7, method: 'rpc.ping' },
    { jsonrpc: '2.0', id: 8, method: 'rpc.subscribe', params: { event: m('shouted'), topic: 'fuzz' } },
    { jsonrpc: '2.0', id: 9, method: 'rpc.unsubscribe', params: [m('shouted'), 'fuzz'] },
    { jsonrpc: '2.0', method: m('echo'), params: { value: 'notified' } },
    { jsonrpc: '2.0', id: 10, method: m('echo'), params: { value: 1 }, timeoutMs: 50 },
  ];
  const frames = requests.map((request) => JSON.stringify(request));
  frames.push(`[${frames.slice(0, 5).join(',')}]`, `[${frames.slice(5, 12).join(',')}]`);
  frames.push('{"jsonrpc":"2.0","id":11,"method":"' + m('echo') + '","params":{"value":{"__proto__":{"polluted":1}},"constructor":{"prototype":{"polluted":1}}}}');
  return frames;
}

const TOKENS = [
  '"__proto__"', '"constructor"', '"prototype"', '{"__proto__":{"x":1}}', 'null', 'true', '[]', '{}', '-0', '1e309',
  '-1e-400', '9007199254740993', '"\\ud800"', '"\\u0000"', '[[[[[[[[', ']]]]', '{"', '"jsonrpc":"2.0"', '"id":', '"method":"rpc.',
  '\u0000', '\ud83d', '\\', ',', ':', '"', '0x10', 'NaN', 'Infinity', '"timeoutMs":0',
];

/** Applies 1 to 4 random edits to `text`: replace, delete, duplicate, insert a token, truncate. */
export function mutate(text: string, random: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (out.length + 1));
    const span = 1 + Math.floor(random() * 8);
    switch (Math.floor(random() * 6)) {
      case 0:
        out = out.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + out.slice(at + 1);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + span);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at, at + span).repeat(2) + out.slice(at + span);
        break;
      case 3:
      case 4:
        out = out.slice(0, at) + TOKENS[Math.floor(random() * TOKENS.length)] + out.slice(at);
        break;
      default:
        out = out.slice(0, at);
    }
  }
  return out;
}

/** Random JSON-RPC-shaped frames: any member may be missing, of the wrong type, or hostile. */
export function structuredFrames(service: string): fc.Arbitrary<string> {
  const methods = ['echo', 'add', 'boom', 'wrongShape', 'fail', 'whoami', 'shout', 'sleep', 'nope'].map((n) => `${service}.${n}`);
  const method = fc.oneof(
    fc.constantFrom(...methods, 'rpc.ping', 'rpc.subscribe', 'rpc.unsubscribe', 'rpc.', 'rpc.discover', ''),
    fc.string({ maxLength: 20 }),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const id = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 10 }), fc.constant(null), fc.jsonValue({ maxDepth: 1 }));
  const params = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ value: fc.jsonValue({ maxDepth: 3 }), tag: fc.string({ maxLength: 5 }) }, { requiredKeys: [] }),
    fc.tuple(fc.double(), fc.integer()),
    fc.record({ ms: fc.integer({ min: -5, max: 40 }), id: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }),
    fc.record({ event: fc.constantFrom(`${service}.shouted`, `${service}.aborted`, 'x.y'), topic: fc.string({ maxLength: 8 }) }),
  );
  const members = {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.constant('1.0'), fc.jsonValue({ maxDepth: 0 })),
    id,
    method,
    params,
    timeoutMs: fc.oneof(fc.integer({ min: -10, max: 100 }), fc.jsonValue({ maxDepth: 0 })),
  };
  // Mostly near-valid, so that most frames get past the envelope check into dispatch.
  const request = fc.oneof(
    { weight: 4, arbitrary: fc.record({ ...members, jsonrpc: fc.constant('2.0'), method: fc.constantFrom(...methods, 'rpc.ping', 'rpc.subscribe') }, { requiredKeys: ['jsonrpc', 'method'] }) },
    { weight: 1, arbitrary: fc.record(members, { requiredKeys: [] }) },
  );
  const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
  // JSON text with hostile keys spelled out, since a JS object literal would not keep `__proto__` as a key.
  const hostile = fc
    .tuple(hostileKey, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...methods))
    .map(([key, value, name]) => `{"jsonrpc":"2.0","id":"h","method":"${name}","params":{"${key}":${JSON.stringify(value) ?? 'null'},"value":{"${key}":{"polluted":true}}}}`);
  return fc.oneof(
    { weight: 5, arbitrary: request.map((r) => JSON.stringify(r)) },
    { weight: 2, arbitrary: fc.array(request, { minLength: 0, maxLength: 12 }).map((r) => JSON.stringify(r)) },
    { weight: 1, arbitrary: hostile },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60, unit: 'binary' }) },
  );
}
