/**
 * `checkLocks(baseline, current, options)`: every finding between two contract locks — surface
 * rules (methods, events, errors and their options) and the schema engine on every message —
 * in a stable order, with major-version waivers applied.
 */
import { compareSchemas } from './compareSchemas.ts';
import { maxAgeMs, type Retention } from '../../src/contract/eventDelivery.ts';
import { canonical, type Lock, type LockedEvent, type LockedMethod, type LockedService } from './lock.ts';
import { paramShapes } from './paramShapes.ts';
import { rule, schemaRuleId, type Direction, type Severity } from './rules.ts';
import { majorBumped } from './semver.ts';

export interface Finding {
  /** Stable rule id, e.g. `input.required-field-added`. */
  rule: string;
  severity: Severity;
  service: string;
  /** The method, event or error: `chat.send`, `chat.message`, `chat.RoomFull`; the service name for service rules. */
  subject: string;
  /** Which message of the subject, for schema findings. */
  part?: 'input' | 'output' | 'payload' | 'data';
  /** JSON path of the value concerned, `$` for the whole message or the subject itself. */
  path: string;
  message: string;
  /** How to make the change compatible (the rule's advice). */
  advice: string;
  /** A breaking finding in a service whose major version went up: reported, not failing. */
  allowed?: boolean;
}

export interface CheckOptions {
  /**
   * Report removing a method or event that the baseline did not mark deprecated
   * (`method.removed`, `event.removed`) as dangerous instead of breaking. @default false
   */
  allowRemovalWithoutDeprecation?: boolean;
}

/** The gateway's default call deadline, which a method without `timeoutMs` gets. */
const DEFAULT_TIMEOUT_MS = 10_000;

type Emit = (id: string, subject: string, path: string, message: string, part?: Finding['part'], severity?: Severity) => void;

function schemaFindings(emit: Emit, subject: string, part: NonNullable<Finding['part']>, direction: Direction, before: object, after: object): void {
  for (const change of compareSchemas(before as never, after as never, direction)) {
    emit(schemaRuleId(change.rule, direction)!, subject, change.path, change.message, part);
  }
}

function compareMethod(emit: Emit, subject: string, o: LockedMethod, n: LockedMethod): void {
  compareParams(emit, subject, o, n);
  schemaFindings(emit, subject, 'output', 'output', o.output, n.output);
  const [ot, nt] = [o.timeoutMs ?? DEFAULT_TIMEOUT_MS, n.timeoutMs ?? DEFAULT_TIMEOUT_MS];
  if (nt < ot) emit('method.timeout-shortened', subject, '$', `timeout ${ot} ms → ${nt} ms: slow calls now fail with a timeout`);
  if (nt > ot) emit('method.timeout-lengthened', subject, '$', `timeout ${ot} ms → ${nt} ms`);
  if (o.idempotent && !n.idempotent) emit('method.idempotent-removed', subject, '$', 'no longer idempotent: old clients still resend it after a reconnect, which may now run it twice');
  if (!o.idempotent && n.idempotent) emit('method.idempotent-added', subject, '$', 'now idempotent: clients may resend it');
  if (!o.ordered && n.ordered) emit('method.order-added', subject, '$', 'now ordered (orderBy): its calls move from the method queue to its shard queues');
  if (o.ordered && !n.ordered) emit('method.order-removed', subject, '$', 'no longer ordered (orderBy): its calls move from its shard queues to the method queue, and run in any order');
  const roles = (r: string[] | undefined) => (r === undefined ? 'anyone' : r.join(', ') || 'no role');
  const dropped = o.roles === undefined ? (n.roles === undefined ? [] : ['anyone']) : n.roles === undefined ? [] : o.roles.filter((r) => !n.roles!.includes(r));
  const gained = n.roles === undefined ? (o.roles === undefined ? [] : ['anyone']) : o.roles === undefined ? [] : n.roles.filter((r) => !o.roles!.includes(r));
  if (dropped.length) emit('method.roles-restricted', subject, '$', `roles ${roles(o.roles)} → ${roles(n.roles)}: callers without them get UNAUTHORIZED`);
  else if (gained.length) emit('method.roles-relaxed', subject, '$', `roles ${roles(o.roles)} → ${roles(n.roles)}`);
  const [oq, nq] = [o.maxQueueLength ?? Infinity, n.maxQueueLength ?? Infinity];
  const queue = (q: number) => (Number.isFinite(q) ? String(q) : 'unbounded');
  if (nq < oq) emit('method.queue-limit-lowered', subject, '$', `maxQueueLength ${queue(oq)} → ${queue(nq)}: more calls get OVERLOADED`);
  if (nq > oq) emit('method.queue-limit-raised', subject, '$', `maxQueueLength ${queue(oq)} → ${queue(nq)}`);
  if (!o.deprecated && n.deprecated) emit('method.deprecated', subject, '$', 'marked deprecated: it may be removed once this lock is the baseline');
}

/** A retention in a few words: `maxAge 7D, maxBytes 1000000`. */
function retentionText(retention: Retention | undefined): string {
  const { maxAge, maxBytes } = retention ?? {};
  return [maxAge !== undefined ? `maxAge ${maxAge}` : '', maxBytes !== undefined ? `maxBytes ${maxBytes}` : ''].filter(Boolean).join(', ') || 'none';
}

/**
 * Delivery: replayable → volatile breaks resuming subscribers; the reverse is safe. Between two
 * replayable sides each limit is compared on its own (an absent one keeps everything): history
 * ends at whichever limit is reached first, so any lower or new limit keeps less.
 */
function compareDelivery(emit: Emit, subject: string, o: LockedEvent, n: LockedEvent): void {
  const [was, is] = [o.delivery === 'replayable', n.delivery === 'replayable'];
  if (was && !is) {
    return emit('event.replayable-removed', subject, '$', `replayable (${retentionText(o.retention)}) → volatile: subscribers that resume after a reconnect silently lose the events they missed`);
  }
  if (!was && is) return emit('event.replayable-added', subject, '$', `volatile → replayable (${retentionText(n.retention)}): subscribers may resume after a reconnect`);
  if (!was) return;
  const age = (r: Retention | undefined) => (r?.maxAge === undefined ? Infinity : maxAgeMs(r.maxAge));
  const bytes = (r: Retention | undefined) => r?.maxBytes ?? Infinity;
  const limits = [
    [age(o.retention), age(n.retention)],
    [bytes(o.retention), bytes(n.retention)],
  ] as const;
  const change = `retention ${retentionText(o.retention)} → ${retentionText(n.retention)}`;
  if (limits.some(([before, after]) => after < before)) {
    emit('event.retention-shortened', subject, '$', `${change}: less history is kept, so a subscriber away for longer misses events`);
  } else if (limits.some(([before, after]) => after > before)) {
    emit('event.retention-lengthened', subject, '$', change);
  }
}

/** Params: the shapes both sides take are compared; a shape one side lacks was added or removed. */
function compareParams(emit: Emit, subject: string, o: LockedMethod, n: LockedMethod): void {
  if (o.params === n.params) return schemaFindings(emit, subject, 'input', 'input', o.input, n.input);
  const [before, after] = [paramShapes(o), paramShapes(n)];
  const names = ['by-position', 'by-name'] as const;
  if (!names.some((name) => before[name] && after[name])) {
    return emit('method.params-structure-changed', subject, '$', `params ${o.params} → ${n.params}: every existing call is rejected`);
  }
  for (const name of names) {
    const [a, b] = [before[name], after[name]];
    if (a && b) schemaFindings(emit, subject, 'input', 'input', a, b);
    else if (a) emit('method.params-shape-removed', subject, '$', `params ${name} are no longer accepted (${o.params} → ${n.params}): calls that send them are rejected`);
    else if (b) emit('method.params-shape-added', subject, '$', `params ${name} are now accepted too (${o.params} → ${n.params})`);
  }
}

function compareService(emit: Emit, name: string, o: LockedService | undefined, n: LockedService | undefined, options: CheckOptions): void {
  const empty: LockedService = { methods: {}, events: {}, errors: {} };
  const [before, after] = [o ?? empty, n ?? empty];
  const removal = <E extends { deprecated?: boolean }>(kind: 'method' | 'event', key: string, entry: E, added: Record<string, E>) => {
    const subject = `${name}.${key}`;
    // A rename is a removal plus an addition; name the likely new name when the shapes match.
    const twin = Object.keys(added).find((k) => !(k in before[`${kind}s`]) && sameShape(entry, added[k]!));
    const renamed = twin ? ` (renamed to ${name}.${twin}?)` : '';
    if (entry.deprecated) emit(`${kind}.removed-deprecated`, subject, '$', `removed after its deprecation${renamed}: clients that kept using it break`);
    else if (options.allowRemovalWithoutDeprecation) emit(`${kind}.removed`, subject, '$', `removed without being deprecated first${renamed} (allowed by option)`, undefined, 'dangerous');
    else emit(`${kind}.removed`, subject, '$', `removed without being deprecated first${renamed}: clients using it break`);
  };
  for (const key of union(before.methods, after.methods)) {
    const [a, b] = [before.methods[key], after.methods[key]];
    const subject = `${name}.${key}`;
    if (a && b) compareMethod(emit, subject, a, b);
    else if (a) removal('method', key, a, after.methods);
    else emit('method.added', subject, '$', 'new method');
  }
  for (const key of union(before.events, after.events)) {
    const [a, b] = [before.events[key], after.events[key]];
    const subject = `${name}.${key}`;
    if (a && b) {
      schemaFindings(emit, subject, 'payload', 'output', a.payload, b.payload);
      compareDelivery(emit, subject, a, b);
      if (!a.deprecated && b.deprecated) emit('event.deprecated', subject, '$', 'marked deprecated: it may be removed once this lock is the baseline');
    } else if (a) removal('event', key, a, after.events);
    else emit('event.added', subject, '$', 'new event');
  }
  for (const key of union(before.errors, after.errors)) {
    const [a, b] = [before.errors[key], after.errors[key]];
    const subject = `${name}.${key}`;
    if (a && b) {
      if (a.code !== b.code) emit('error.code-changed', subject, '$', `code ${a.code} → ${b.code}: clients checking the code miss it`);
      if (a.data && b.data) schemaFindings(emit, subject, 'data', 'output', a.data, b.data);
      else if (a.data) emit('error.data-removed', subject, '$', 'error.data is no longer sent');
      else if (b.data) emit('error.data-added', subject, '$', 'error.data is now sent');
    } else if (a) emit('error.removed', subject, '$', `removed: code ${a.code} is no longer declared`);
    // A new service has no callers yet, so its errors surprise no one.
    else if (o) emit('error.added', subject, '$', `new declared error, code ${b!.code}: callers have not handled it`);
  }
}

/**
 * Same lock entry apart from deprecation. Compared in canonical form: a baseline read from a
 * file and a lock built from contracts hold the same keys in different orders.
 */
function sameShape(a: object, b: object): boolean {
  const { deprecated: _a, ...x } = a as { deprecated?: boolean };
  const { deprecated: _b, ...y } = b as { deprecated?: boolean };
  return JSON.stringify(canonical(x)) === JSON.stringify(canonical(y));
}

const union = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();

/**
 * Every finding from `baseline` to `current`. The order is stable: services, then their
 * methods, events and errors by name; within a method, params, result, then options.
 */
export function checkLocks(baseline: Lock, current: Lock, options: CheckOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const name of union(baseline.services, current.services)) {
    const [o, n] = [baseline.services[name], current.services[name]];
    const bumped = majorBumped(o?.version, n?.version);
    const emit: Emit = (id, subject, path, message, part, override) => {
      const { severity: ruled, advice } = rule(id);
      const severity = override ?? ruled;
      const finding: Finding = { rule: id, severity, service: name, subject, ...(part ? { part } : {}), path, message, advice };
      if (bumped && severity === 'breaking') finding.allowed = true;
      findings.push(finding);
    };
    if (bumped) emit('service.major-bumped', name, '$', `version ${o!.version} → ${n!.version}: breaking changes are allowed`);
    compareService(emit, name, o, n, options);
  }
  return findings;
}

/** True when some breaking finding is not allowed by a major version bump. */
export function failed(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'breaking' && !f.allowed);
}
