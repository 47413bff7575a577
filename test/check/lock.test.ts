/**
 * The pieces around the comparison: the contract `version`, the lock file (buildLock,
 * serializeLock, parseLock), the rule table and its copy in docs/contract-check.md, and a few surface details.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { buildLock, checkLocks, LOCK_VERSION, majorBumped, parseLock, RULES, serializeLock } from '../../codegen/check/index.ts';
import { defineContract } from '../../src/contract/defineContract.ts';
import { check } from './checkContracts.ts';

const method = { input: z.object({}), output: z.null() };

describe('defineContract({ version })', () => {
  it('accepts semver and rejects anything else with a TypeError naming the version', () => {
    for (const version of ['0.1.0', '1.2.3', '10.0.0-beta.1+build.5']) defineContract({ service: 's', version, methods: {} });
    for (const version of ['1', '1.2', 'v1.2.3', '01.2.3', '1.2.3.4', '', 3 as unknown as string]) {
      assert.throws(
        () => defineContract({ service: 's', version, methods: {} }),
        (err: unknown) => err instanceof TypeError && err.message.includes(JSON.stringify(version)),
      );
    }
  });
});

describe('majorBumped(baseline, current)', () => {
  it('counts the major from 1.0.0 and the minor below it', () => {
    const table: [string | undefined, string | undefined, boolean][] = [
      ['1.4.2', '2.0.0', true],
      ['1.4.2', '1.9.0', false],
      ['2.0.0', '1.0.0', false],
      ['0.3.1', '0.4.0', true],
      ['0.3.1', '0.3.9', false],
      ['0.9.0', '1.0.0', true],
      ['1.0.0', '2.0.0-rc.1', true],
      [undefined, '2.0.0', false],
      ['1.0.0', undefined, false],
    ];
    for (const [a, b, expected] of table) assert.equal(majorBumped(a, b), expected, `${a} → ${b}`);
  });
});

describe('buildLock(contracts) and serializeLock(lock)', () => {
  const contract = defineContract({
    service: 'zoo',
    version: '1.2.0',
    methods: {
      feed: {
        description: 'Feeds an animal',
        input: z.object({ description: z.string().describe('a field named description'), animal: z.string() }),
        output: z.null(),
        timeoutMs: 500,
        idempotent: true,
        roles: ['keeper', 'admin', 'keeper'],
        maxQueueLength: 10,
        deprecated: true,
      },
    },
    events: { fed: { payload: z.string(), deprecated: true } },
    errors: { Asleep: { code: 5, message: 'Asleep', data: z.object({ until: z.string() }) } },
  });
  const lock = buildLock([contract]);

  it('records version, options and deprecations; drops annotations but not a property named like one', () => {
    const feed = lock.services.zoo!.methods.feed!;
    assert.equal(lock.services.zoo!.version, '1.2.0');
    assert.deepEqual(
      { timeoutMs: feed.timeoutMs, idempotent: feed.idempotent, roles: feed.roles, maxQueueLength: feed.maxQueueLength, deprecated: feed.deprecated },
      { timeoutMs: 500, idempotent: true, roles: ['admin', 'keeper'], maxQueueLength: 10, deprecated: true },
    );
    assert.deepEqual(feed.input, { properties: { animal: { type: 'string' }, description: { type: 'string' } }, required: ['description', 'animal'], type: 'object' });
    assert.equal(lock.services.zoo!.events.fed!.deprecated, true);
    assert.deepEqual(Object.keys(lock.services.zoo!.errors.Asleep!), ['code', 'data', 'message']);
  });

  it('round-trips through parseLock and serializes to the same bytes', () => {
    const text = serializeLock(lock);
    assert.equal(serializeLock(parseLock(text, 'x')), text);
    assert.ok(text.endsWith('}\n'));
  });

  it('parseLock names the file and the problem', () => {
    assert.throws(() => parseLock('{', 'a.json'), /a\.json is not JSON/);
    assert.throws(() => parseLock('{"lockVersion":99,"services":{}}', 'b.json'), /b\.json is not a contracts lock .* at lockVersion/);
  });

  it('parseLock tells the fix for a lock of an older format', () => {
    assert.throws(() => parseLock('{"lockVersion":1,"services":{}}', 'c.json'), /c\.json is a lock of an older format \(lockVersion 1; .*`warren check --update`/);
  });

  it('records what JSON Schema drops under x-zod, and nothing for a plain schema', () => {
    const facts = (input: z.ZodObject) => buildLock([defineContract({ service: 'f', methods: { m: { input, output: z.null() } } })]).services.f!.methods.m!.input;
    const plain = facts(z.object({ s: z.string() })) as { properties: Record<string, object> };
    assert.deepEqual(plain.properties.s, { type: 'string' });
    const rich = facts(z.object({ n: z.coerce.number().catch(0), s: z.string().refine((v) => v !== '') })) as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(rich.properties.n!['x-zod'], { catch: true, coerce: true });
    assert.match((rich.properties.s!['x-zod'] as { refinements: string[] }).refinements[0]!, /^refine:[0-9a-f]{16}$/);
  });
});

describe('the lock of event delivery', () => {
  const events = (spec: Record<string, object>) =>
    buildLock([defineContract({ service: 'feed', methods: { m: method }, events: Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, { payload: z.string(), ...v }])) })]);
  const lock = events({
    quiet: {},
    spelled: { delivery: 'volatile' },
    kept: { delivery: 'replayable' },
    bounded: { delivery: 'replayable', retention: { maxBytes: 4096, maxAge: '2h' } },
  });

  it('records delivery and the resolved retention for a replayable event, and nothing for a volatile one', () => {
    const e = lock.services.feed!.events;
    assert.deepEqual(e.quiet, { payload: { type: 'string' } });
    assert.deepEqual(e.spelled, { payload: { type: 'string' } });
    assert.deepEqual(e.kept, { delivery: 'replayable', payload: { type: 'string' }, retention: { maxAge: '1D' } });
    assert.deepEqual(e.bounded, { delivery: 'replayable', payload: { type: 'string' }, retention: { maxAge: '2h', maxBytes: 4096 } });
  });

  it('round-trips through parseLock, byte for byte', () => {
    const text = serializeLock(lock);
    assert.equal(serializeLock(parseLock(text, 'x')), text);
    assert.match(text, /"delivery": "replayable",\n\s+"payload": \{[^}]*\},\n\s+"retention": \{\n\s+"maxAge": "2h",\n\s+"maxBytes": 4096/);
  });

  it('reads a lock written before events had a delivery as all volatile, with no new lockVersion', () => {
    assert.equal(LOCK_VERSION, 2);
    const old = '{"lockVersion":2,"services":{"feed":{"methods":{"m":{"input":{"type":"object","properties":{}},"output":{"type":"null"},"params":"by-name"}},"events":{"kept":{"payload":{"type":"string"}}},"errors":{}}}}';
    const baseline = parseLock(old, 'old.json');
    assert.equal(baseline.services.feed!.events.kept!.delivery, undefined);
    const current = events({ kept: { delivery: 'replayable' } });
    assert.deepEqual(checkLocks(baseline, current).map((f) => `${f.rule} ${f.subject}`), ['event.replayable-added feed.kept']);
  });

  it('parseLock refuses a delivery or retention it cannot have written', () => {
    const withEvent = (entry: object) => JSON.stringify({ lockVersion: 2, services: { feed: { methods: {}, events: { e: { payload: {}, ...entry } }, errors: {} } } });
    assert.throws(() => parseLock(withEvent({ delivery: 'durable' }), 'd.json'), /d\.json is not a contracts lock .* at services\.feed\.events\.e\.delivery/);
    assert.throws(() => parseLock(withEvent({ delivery: 'replayable', retention: { maxAge: '1 day' } }), 'e.json'), /maxAge must be a positive integer and one unit .* at services\.feed\.events\.e\.retention\.maxAge/);
    assert.throws(() => parseLock(withEvent({ delivery: 'replayable', retention: { maxBytes: 0 } }), 'f.json'), /at services\.feed\.events\.e\.retention\.maxBytes/);
    assert.throws(() => parseLock(withEvent({ delivery: 'replayable', retention: { maxLength: 3 } }), 'g.json'), /at services\.feed\.events\.e\.retention/);
  });
});

describe('the rule table', () => {
  it('has unique ids, each with a summary and an example, and docs/contract-check.md lists every one', () => {
    const page = readFileSync(new URL('../../docs/contract-check.md', import.meta.url), 'utf8');
    assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length);
    for (const rule of RULES) {
      assert.ok(rule.summary && rule.example, rule.id);
      assert.ok(page.includes(`\`${rule.id.replace(/^(input|output)\./, '')}\``), `docs/contract-check.md lacks ${rule.id}`);
    }
  });

  it('gives every rule fix advice, and every rule that can fail or warn advice that is not "nothing to do"', () => {
    for (const rule of RULES) {
      assert.ok(rule.advice.length > 10, `${rule.id} has no advice`);
      if (rule.severity !== 'safe') assert.doesNotMatch(rule.advice, /^nothing to do/, rule.id);
    }
  });
});

describe('surface details', () => {
  it('hints at a rename when a removed method and an added one have the same shape', () => {
    const removed = check({ service: 's', methods: { send: method } }, { service: 's', methods: { post: method } }).find((f) => f.subject === 's.send');
    assert.equal(removed?.rule, 'method.removed');
    assert.match(removed!.message, /renamed to s\.post\?/);
  });

  it('does not report the errors of a new service as added errors', () => {
    const findings = check({ service: 'a', methods: { m: method } }, [
      { service: 'a', methods: { m: method } },
      { service: 'b', methods: { m: method }, errors: { E: { code: 1, message: 'E' } } },
    ]);
    assert.deepEqual(findings.map((f) => f.rule), ['method.added']);
  });
});
