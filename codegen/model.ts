/**
 * The API model: contracts flattened into services, methods, events and errors, each message
 * carrying its JSON Schema and its generated names. Every renderer reads this, never zod.
 */
import type { Contract } from '../src/contract/defineContract.ts';
import { resolveDelivery, type EventDelivery } from '../src/contract/eventDelivery.ts';
import { SDK_RESERVED_METHOD_NAMES } from '../src/contract/jsonSchema.ts';
import { paramStructure, type ParamStructure } from '../src/contract/params.ts';
import { CodegenError } from './CodegenError.ts';
import { nameDefinitions } from './definitions.ts';
import type { Message } from './message.ts';
import {
  errorGuardName,
  messageTypeName,
  paramsShapeTypeName,
  schemaFileName,
  serviceApiName,
  serviceEventsName,
  type MessageKind,
} from './names.ts';
import { toJsonSchema, type JsonSchema } from './toJsonSchema.ts';

export type { Message } from './message.ts';

export interface MethodModel {
  name: string;
  wireName: string;
  description: string | undefined;
  timeoutMs: number | undefined;
  /** The contract marks it safe to run twice: the SDK lets the client resend it after a reconnect. */
  idempotent: boolean;
  /** The contract declares `orderBy`: calls with the same key run one after another, in the order received. */
  ordered: boolean;
  /**
   * `by-name` for a z.object input, `by-position` for a z.tuple or z.array, `either` for a
   * union of one of each (its JSON Schema is then a `oneOf` of the two shapes).
   */
  params: ParamStructure;
  input: Message;
  output: Message;
}

export interface EventModel {
  name: string;
  wireName: string;
  description: string | undefined;
  /**
   * How it reaches subscribers, defaults applied: `volatile`, or `replayable` with its
   * retention limits (`maxAge`, `maxBytes`).
   */
  delivery: EventDelivery;
  payload: Message;
}

export interface ErrorModel {
  name: string;
  code: number;
  message: string;
  description: string | undefined;
  data: Message | undefined;
}

export interface ServiceModel {
  service: string;
  description: string | undefined;
  methods: MethodModel[];
  events: EventModel[];
  errors: ErrorModel[];
}

export interface ApiModel {
  services: ServiceModel[];
  /** Every message, in contract order. */
  messages: Message[];
}

function message(
  service: string,
  name: string,
  kind: MessageKind,
  schema: Parameters<typeof toJsonSchema>[0],
  summary: string,
): Message {
  const wireName = `${service}.${name}`;
  const io = kind === 'input' ? 'input' : 'output';
  return {
    service,
    name,
    kind,
    wireName,
    typeName: messageTypeName(service, name, kind),
    file: schemaFileName(service, name, kind),
    io,
    summary,
    schema: toJsonSchema(schema, io, { service, message: `${wireName} ${kind}` }),
    definitionNames: new Map(),
  };
}

const PARAMS_SUMMARY: Record<ParamStructure, string> = {
  'by-name': 'by name',
  'by-position': 'by position',
  either: 'by position or by name',
};

/**
 * The params message of an `either` method: zod writes a union as `anyOf`; its two shapes are
 * an array and an object, which no value is both, so it is exactly a `oneOf`, the form JSON
 * Schema has for "one of these alternatives".
 */
export function eitherParamsSchema(schema: JsonSchema): JsonSchema {
  const { anyOf, ...rest } = inlineRoot(schema);
  return { ...rest, oneOf: anyOf };
}

function eitherParams(input: Message): Message {
  return { ...input, schema: eitherParamsSchema(input.schema) };
}

/** A schema whose root is a `$ref` to one of its definitions (zod writes that for a `.meta({ id })`), with the definition in its place. */
function inlineRoot(schema: JsonSchema): JsonSchema {
  const match = typeof schema.$ref === 'string' ? /^#\/definitions\/(.+)$/.exec(schema.$ref) : null;
  const definitions = { ...((schema.definitions ?? {}) as Record<string, JsonSchema>) };
  const name = match ? decodeURIComponent(match[1]!) : undefined;
  if (name === undefined || definitions[name] === undefined) return schema;
  const { $ref: _ref, definitions: _definitions, ...root } = schema;
  const inlined: JsonSchema = { ...root, ...definitions[name] };
  // The definition stays only when something inside still points at it.
  if (!JSON.stringify([inlined, definitions]).includes(JSON.stringify(schema.$ref))) delete definitions[name];
  return Object.keys(definitions).length > 0 ? { ...inlined, definitions } : inlined;
}

/**
 * Builds the model, converting every schema. Throws a CodegenError for the first schema
 * that cannot be represented, and for generated names that would collide.
 */
export function buildModel(contracts: readonly Contract[]): ApiModel {
  const services: ServiceModel[] = [];
  const messages: Message[] = [];
  for (const contract of contracts) {
    const { service } = contract;
    if (services.some((s) => s.service === service)) throw new CodegenError(`two contracts name the service "${service}"`, { service });
    const model: ServiceModel = { service, description: contract.description, methods: [], events: [], errors: [] };
    for (const [name, spec] of Object.entries(contract.methods)) {
      if (SDK_RESERVED_METHOD_NAMES.has(name)) {
        throw new CodegenError(`method name "${name}" clashes with the SDK's api.${service}.${name}: rename the method`, {
          service,
          message: `${service}.${name}`,
        });
      }
      const wireName = `${service}.${name}`;
      const params = paramStructure(spec.input);
      const input = message(service, name, 'input', spec.input, `Params of \`${wireName}\` (${PARAMS_SUMMARY[params]}).`);
      model.methods.push({
        name,
        wireName,
        description: spec.description,
        timeoutMs: spec.timeoutMs,
        idempotent: spec.idempotent === true,
        ordered: spec.orderBy !== undefined,
        params,
        input: params === 'either' ? eitherParams(input) : input,
        output: message(service, name, 'output', spec.output, `Result of \`${wireName}\`.`),
      });
    }
    for (const [name, spec] of Object.entries(contract.events ?? {})) {
      const wireName = `${service}.${name}`;
      model.events.push({
        name,
        wireName,
        description: spec.description,
        delivery: resolveDelivery(spec, wireName),
        payload: message(service, name, 'payload', spec.payload, `Payload of the \`${wireName}\` event.`),
      });
    }
    for (const [name, spec] of Object.entries(contract.errors ?? {})) {
      model.errors.push({
        name,
        code: spec.code,
        message: spec.message,
        description: spec.description,
        data: spec.data
          ? message(service, name, 'data', spec.data, `\`error.data\` of ${name} (code ${spec.code}) from the ${service} service.`)
          : undefined,
      });
    }
    for (const method of model.methods) messages.push(method.input, method.output);
    for (const event of model.events) messages.push(event.payload);
    for (const error of model.errors) if (error.data) messages.push(error.data);
    services.push(model);
  }
  nameDefinitions(messages);
  checkUniqueNames(services, messages);
  return { services, messages };
}

function checkUniqueNames(services: readonly ServiceModel[], messages: readonly Message[]): void {
  const seen = new Map<string, string>();
  const claim = (name: string, owner: string) => {
    const other = seen.get(name);
    if (other && other !== owner) throw new CodegenError(`generated name ${name} is used by both ${other} and ${owner}: rename one`);
    seen.set(name, owner);
  };
  for (const fixed of ['Api', 'Methods', 'Events', 'EventFilter', 'Unsubscribe', 'ConnectedApi', 'UnknownTag']) claim(fixed, 'the SDK');
  for (const s of services) {
    claim(serviceApiName(s.service), `service ${s.service}`);
    if (s.events.length > 0) claim(serviceEventsName(s.service), `service ${s.service}`);
    for (const e of s.errors) claim(errorGuardName(s.service, e.name), `error ${s.service}.${e.name}`);
  }
  for (const s of services) {
    for (const m of s.methods) {
      if (m.params !== 'either') continue;
      for (const shape of ['by-position', 'by-name'] as const) claim(paramsShapeTypeName(m.input.typeName, shape), `${m.wireName} input ${shape}`);
    }
  }
  for (const m of messages) {
    claim(m.typeName, `${m.wireName} ${m.kind}`);
    for (const [key, name] of m.definitionNames) claim(name, `definition ${key}`);
  }
}
