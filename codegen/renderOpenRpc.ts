/**
 * The OpenRPC 1.3.2 document: every method with its params (by name or by position), result
 * and errors; rpc.subscribe / rpc.unsubscribe for the events; every message schema in
 * `components.schemas` under its SDK type name.
 */
import { ErrorCode, ErrorMessage, type ErrorCodeName } from 'warren-client/protocol';
import { CodegenError } from './CodegenError.ts';
import { embed } from './definitions.ts';
import { documentInfo, type DocumentInfo } from './documentInfo.ts';
import type { ApiModel, Message, MethodModel, ServiceModel } from './model.ts';
import { errorComponentName } from './names.ts';
import { DEFAULT_SERVER, SERVER_ERRORS, TOPIC_PATTERN, warrenErrorName } from './protocolFacts.ts';
import type { JsonSchema } from './toJsonSchema.ts';

const SCHEMAS = '#/components/schemas/';
const ERRORS = '#/components/errors/';

const DEFAULT_SERVER_URL = `ws://${DEFAULT_SERVER.host}${DEFAULT_SERVER.path}`;

function where(message: Message) {
  return { service: message.service, message: `${message.wireName} ${message.kind}` };
}

function params(method: MethodModel): object[] {
  const { root } = embed(method.input, SCHEMAS);
  if (method.positional) {
    if (root.additionalItems !== undefined && root.additionalItems !== false) {
      throw new CodegenError('a tuple with a rest element cannot be described as OpenRPC by-position params', where(method.input));
    }
    const items = (root.items ?? []) as JsonSchema[];
    const min = typeof root.minItems === 'number' ? root.minItems : items.length;
    return items.map((schema, i) => descriptor(typeof schema.title === 'string' ? schema.title : `arg${i}`, schema, i < min));
  }
  const required = new Set((root.required ?? []) as string[]);
  const properties = (root.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, schema]) => descriptor(name, schema, required.has(name)));
}

function descriptor(name: string, schema: JsonSchema, required: boolean): object {
  return {
    name,
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    required,
    schema,
  };
}

function method(service: ServiceModel, m: MethodModel): object {
  const resultDescription = m.output.schema.description;
  return {
    name: m.wireName,
    ...(m.description ? { description: m.description } : {}),
    paramStructure: m.positional ? 'by-position' : 'by-name',
    params: params(m),
    result: {
      name: m.output.typeName,
      ...(typeof resultDescription === 'string' ? { description: resultDescription } : {}),
      schema: { $ref: `${SCHEMAS}${m.output.typeName}` },
    },
    errors: [
      ...service.errors.map((e) => ({ $ref: `${ERRORS}${errorComponentName(service.service, e.name)}` })),
      ...SERVER_ERRORS.map((code) => ({ $ref: `${ERRORS}${warrenErrorName(code)}` })),
    ],
    ...(m.timeoutMs !== undefined ? { 'x-timeout-ms': m.timeoutMs } : {}),
  };
}

function subscriptionMethods(model: ApiModel): object[] {
  const events = model.services.flatMap((s) => s.events);
  if (events.length === 0) return [];
  const list = events.map((e) => `- \`${e.wireName}\`: payload \`${e.payload.typeName}\`${e.description ? `. ${e.description}` : ''}`).join('\n');
  const eventParam = {
    name: 'event',
    description: 'Wire name of the event, `<service>.<event>`.',
    required: true,
    schema: { type: 'string', enum: events.map((e) => e.wireName) },
  };
  const topicParam = {
    name: 'topic',
    description: 'Only events emitted with this topic; omit for every topic of the event.',
    required: false,
    schema: { type: 'string', pattern: TOPIC_PATTERN },
  };
  const codes: ErrorCodeName[] = ['INVALID_PARAMS', 'OVERLOADED', 'UNAVAILABLE'];
  const errors = codes.map((code) => ({ $ref: `${ERRORS}${warrenErrorName(code)}` }));
  return [
    {
      name: 'rpc.subscribe',
      description:
        'Subscribes this connection to a server-pushed event. Each event then arrives as a JSON-RPC notification ' +
        '`{"jsonrpc":"2.0","method":"<service>.<event>","params":{"topic":…,"payload":…}}` ' +
        `(payload schemas are in components.schemas; see also asyncapi.json). Events:\n${list}`,
      paramStructure: 'either',
      params: [eventParam, topicParam],
      result: { name: 'subscribed', schema: { type: 'boolean', const: true } },
      errors,
    },
    {
      name: 'rpc.unsubscribe',
      description: 'Ends a subscription made with rpc.subscribe (same event and topic).',
      paramStructure: 'either',
      params: [eventParam, topicParam],
      result: { name: 'wasSubscribed', description: 'False when there was no such subscription.', schema: { type: 'boolean' } },
      errors: errors.slice(0, 1),
    },
  ];
}

/** The OpenRPC document as plain data. */
export function renderOpenRpc(model: ApiModel, info?: DocumentInfo): object {
  const schemas: Record<string, JsonSchema> = {};
  for (const message of model.messages) {
    const { root, definitions } = embed(message, SCHEMAS);
    schemas[message.typeName] = root;
    for (const [name, schema] of definitions) schemas[name] ??= schema;
  }
  const errors: Record<string, object> = {};
  for (const service of model.services) {
    for (const e of service.errors) {
      // OpenRPC's errorObject has no schema member (and allows no extensions), so `data`
      // carries the JSON Schema of error.data, which is what a reader of the document needs.
      errors[errorComponentName(service.service, e.name)] = {
        code: e.code,
        message: e.message,
        ...(e.data ? { data: embed(e.data, SCHEMAS).root } : {}),
      };
    }
  }
  for (const code of SERVER_ERRORS) errors[warrenErrorName(code)] = { code: ErrorCode[code], message: ErrorMessage[ErrorCode[code]] };
  return {
    openrpc: '1.3.2',
    info: documentInfo(model, info),
    servers: [{ name: 'default', url: DEFAULT_SERVER_URL, summary: 'warren serve (npm start) on its default port' }],
    methods: [...model.services.flatMap((s) => s.methods.map((m) => method(s, m))), ...subscriptionMethods(model)],
    components: { schemas, errors },
  };
}
