/**
 * The contracts lock: the compatibility surface of every service (methods, events, declared
 * errors, their options and JSON Schemas) as one canonical JSON document. `warren check`
 * compares the current contracts with a lock; `warren check --update` writes it.
 *
 * Schemas are codegen's own (draft-07, `io: 'input'` for params, `'output'` for everything a
 * client receives), minus `$schema` and the annotations that cannot break a client
 * (description, title, examples …). `default` stays: it decides what an omitted field means.
 * Each node also carries, under `x-zod`, what zod knows and JSON Schema drops (zodFacts.ts):
 * refinements, transforms, coercion, pipes, string format options.
 * A replayable event carries `delivery: 'replayable'` and its resolved `retention`; a volatile
 * one carries neither, so locks written before events had a delivery read as all volatile and
 * the lock version did not change.
 * Object keys are sorted at every level, so the same contracts always give the same bytes.
 */
import { z } from 'zod';
import type { Contract } from '../../src/contract/defineContract.ts';
import { maxAgeMs, type Retention } from '../../src/contract/eventDelivery.ts';
import { buildModel, eitherParamsSchema } from '../model.ts';
import { toJsonSchema, type JsonSchema } from '../toJsonSchema.ts';
import { stripAnnotations } from './schemaWalk.ts';
import { annotate } from './zodFacts.ts';

export const LOCK_VERSION = 2;

export interface LockedMethod {
  /** `either`: the input is a `oneOf` of one array (positional) and one object (named) shape. */
  params: 'by-name' | 'by-position' | 'either';
  input: JsonSchema;
  output: JsonSchema;
  timeoutMs?: number;
  idempotent?: boolean;
  /** The contract declares orderBy (its key function is code, and not locked). */
  ordered?: boolean;
  roles?: string[];
  maxQueueLength?: number;
  deprecated?: boolean;
}

export interface LockedEvent {
  payload: JsonSchema;
  deprecated?: boolean;
  /** Present for a replayable event only: a lock without it (also one written before delivery existed) means volatile. */
  delivery?: 'replayable';
  /** A replayable event's retention, its default applied: what the broker keeps. */
  retention?: Retention;
}

export interface LockedError {
  code: number;
  message: string;
  data?: JsonSchema;
}

export interface LockedService {
  /** The contract's semver `version`, when it has one. */
  version?: string;
  methods: Record<string, LockedMethod>;
  events: Record<string, LockedEvent>;
  errors: Record<string, LockedError>;
}

export interface Lock {
  lockVersion: typeof LOCK_VERSION;
  services: Record<string, LockedService>;
}

/** A deep copy with object keys sorted; arrays keep their order (enum order is the author's). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
  return out;
}

/**
 * The lock of `contracts`, through codegen's model, so that the lock holds exactly the schemas
 * codegen publishes.
 * @throws CodegenError for a contract JSON Schema cannot describe
 */
export function buildLock(contracts: readonly Contract[]): Lock {
  const model = buildModel(contracts);
  const schema = (zod: z.ZodType, io: 'input' | 'output', service: string, message: string) =>
    stripAnnotations(toJsonSchema(zod, io, { service, message }, (s, json) => annotate(s as never, json, io)));
  const services: Record<string, LockedService> = {};
  for (const service of model.services) {
    const contract = contracts.find((c) => c.service === service.service)!;
    const locked: LockedService = { methods: {}, events: {}, errors: {} };
    if (contract.version !== undefined) locked.version = contract.version;
    for (const method of service.methods) {
      const spec = contract.methods[method.name]!;
      const input = schema(spec.input, 'input', service.service, `${method.wireName} input`);
      const entry: LockedMethod = {
        params: method.params,
        // Params taken either way are published as a oneOf of their two shapes (model.ts); the lock holds the same.
        input: method.params === 'either' ? eitherParamsSchema(input) : input,
        output: schema(spec.output, 'output', service.service, `${method.wireName} output`),
      };
      if (spec.timeoutMs !== undefined) entry.timeoutMs = spec.timeoutMs;
      if (spec.idempotent) entry.idempotent = true;
      if (spec.orderBy) entry.ordered = true;
      if (spec.roles !== undefined) entry.roles = [...new Set(spec.roles)].sort();
      if (spec.maxQueueLength !== undefined) entry.maxQueueLength = spec.maxQueueLength;
      if (spec.deprecated) entry.deprecated = true;
      locked.methods[method.name] = entry;
    }
    for (const event of service.events) {
      const spec = contract.events![event.name]!;
      const entry: LockedEvent = { payload: schema(spec.payload, 'output', service.service, `${event.wireName} payload`) };
      if (spec.deprecated) entry.deprecated = true;
      if (event.delivery.kind === 'replayable') {
        const { kind: _kind, ...retention } = event.delivery;
        entry.delivery = 'replayable';
        entry.retention = retention;
      }
      locked.events[event.name] = entry;
    }
    for (const error of service.errors) {
      const entry: LockedError = { code: error.code, message: error.message };
      const data = contract.errors![error.name]!.data;
      if (data) entry.data = schema(data, 'output', service.service, `${service.service}.${error.name} data`);
      locked.errors[error.name] = entry;
    }
    services[service.service] = locked;
  }
  return canonical({ lockVersion: LOCK_VERSION, services }) as Lock;
}

/** The lock file's text: canonical JSON, two-space indent, one trailing newline. */
export function serializeLock(lock: Lock): string {
  return `${JSON.stringify(canonical(lock), null, 2)}\n`;
}

const Schema = z.record(z.string(), z.unknown());
const LockShape = z.object({
  lockVersion: z.literal(LOCK_VERSION),
  services: z.record(
    z.string(),
    z.object({
      version: z.string().optional(),
      methods: z.record(
        z.string(),
        z.object({
          params: z.enum(['by-name', 'by-position', 'either']),
          input: Schema,
          output: Schema,
          timeoutMs: z.number().optional(),
          idempotent: z.boolean().optional(),
          ordered: z.boolean().optional(),
          roles: z.array(z.string()).optional(),
          maxQueueLength: z.number().optional(),
          deprecated: z.boolean().optional(),
        }),
      ),
      events: z.record(
        z.string(),
        z.object({
          payload: Schema,
          deprecated: z.boolean().optional(),
          delivery: z.literal('replayable').optional(),
          retention: z
            .strictObject({
              maxAge: z.string().refine(isMaxAge, 'maxAge must be a positive integer and one unit of Y, M, D, h, m, s').optional(),
              maxBytes: z.number().int().positive().optional(),
            })
            .optional(),
        }),
      ),
      errors: z.record(z.string(), z.object({ code: z.number(), message: z.string(), data: Schema.optional() })),
    }),
  ),
});

function isMaxAge(value: string): boolean {
  try {
    return maxAgeMs(value) > 0;
  } catch {
    return false;
  }
}

/** Reads a lock file's text. @throws Error naming `source` when it is not a lock, or a lock of an older format. */
export function parseLock(text: string, source: string): Lock {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${(err as Error).message}`);
  }
  const version = (json as { lockVersion?: unknown } | null)?.lockVersion;
  if (typeof version === 'number' && version < LOCK_VERSION) {
    throw new Error(
      `${source} is a lock of an older format (lockVersion ${version}; this warren check writes ${LOCK_VERSION}): ` +
        'rewrite it with `warren check --update` and commit it',
    );
  }
  const parsed = LockShape.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${source} is not a contracts lock (lockVersion ${LOCK_VERSION}): ${issue.message} at ${issue.path.join('.') || 'the top'}`);
  }
  // zod returns keys in its shape's order; the checker compares canonical forms.
  return canonical(parsed.data) as Lock;
}
