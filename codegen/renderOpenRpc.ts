/**
 * The OpenRPC 1.3.2 document: every method with its params (by name or by position), result
 * and errors; rpc.subscribe / rpc.unsubscribe for the events (with `since` when one is
 * replayable) and how each is delivered; every message schema in
 * `components.schemas` under its SDK type name.
 */
import { ErrorCode, ErrorMessage, type ErrorCodeName } from 'warren-client/protocol';
import { embed } from './definitions.ts';
import { documentInfo, type DocumentInfo } from './documentInfo.ts';
import type { ApiModel, MethodModel, ServiceModel } from './model.ts';
import { errorComponentName } from './names.ts';
import { DEFAULT_SERVER, retentionText, SERVER_ERRORS, sinceSchema, subscribeResultSchema, TOPIC_PATTERN, warrenErrorName } from './protocolFacts.ts';
import type { JsonSchema } from './toJsonSchema.ts';

const SCHEMAS = '#/components/schemas/';
const ERRORS = '#/components/errors/';

const DEFAULT_SERVER_URL = `ws://${DEFAULT_SERVER.host}${DEFAULT_SERVER.path}`;

/**
 * Descriptors of positional params: one per tuple item, named after its `.meta({ title })` or
 * `arg<i>`. OpenRPC has no variadic param, so a rest element (or a whole z.array) is one last
 * descriptor for the element schema, marked `x-variadic: true`: it stands for zero or more
 * trailing params, each matching that schema.
 */
function positionalParams(shape: JsonSchema): object[] {
  const items = Array.isArray(shape.items) ? (shape.items as JsonSchema[]) : [];
  const rest = Array.isArray(shape.items) ? shape.additionalItems : (shape.items ?? {});
  const min = typeof shape.minItems === 'number' ? shape.minItems : Array.isArray(shape.items) ? items.length : 0;
  const out = items.map((schema, i) => descriptor(typeof schema.title === 'string' ? schema.title : `arg${i}`, schema, i < min));
  if (rest !== undefined && rest !== false) {
    const schema = (rest === true ? {} : rest) as JsonSchema;
    out.push({ ...descriptor(typeof schema.title === 'string' ? schema.title : 'rest', schema, min > items.length), 'x-variadic': true });
  }
  return out;
}

function namedParams(shape: JsonSchema): object[] {
  const required = new Set((shape.required ?? []) as string[]);
  const properties = (shape.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, schema]) => descriptor(name, schema, required.has(name)));
}

/**
 * The method's `params`. For `either` they are the named shape's descriptors, which OpenRPC
 * also reads by position. The positional shape need not line up with them (same names, in
 * order, same schemas); when it does not, its own descriptors are in `x-params-by-position`.
 * `x-params-schema` points at the whole params schema, the oneOf of both shapes.
 */
function params(method: MethodModel): Record<string, unknown> {
  const { root } = embed(method.input, SCHEMAS);
  if (method.params === 'by-position') return { params: positionalParams(root) };
  if (method.params === 'by-name') return { params: namedParams(root) };
  const shapes = (root.oneOf ?? []) as JsonSchema[];
  const positional = shapes.find((shape) => shape.type === 'array') ?? {};
  const named = shapes.find((shape) => shape.type === 'object') ?? {};
  const [byName, byPosition] = [namedParams(named), positionalParams(positional)];
  return {
    params: byName,
    ...(lineUp(byName, byPosition) ? {} : { 'x-params-by-position': byPosition }),
    'x-params-schema': { $ref: `${SCHEMAS}${method.input.typeName}` },
  };
}

/** JSON text with object keys sorted at every level. */
function canonicalText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalText(v)}`).join(',')}}`;
}

/** Two descriptor lists that say the same, titles and descriptions aside. */
function lineUp(a: object[], b: object[]): boolean {
  const text = (list: object[]) =>
    canonicalText(
      list.map((d) => {
        const { description: _d, schema, ...rest } = d as { description?: string; schema: JsonSchema };
        const { title: _t, description: _sd, ...bare } = schema;
        return { ...rest, schema: bare };
      }),
    );
  return text(a) === text(b);
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
    paramStructure: m.params,
    ...params(m),
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
    // The key itself is code on the server; a client learns only that calls of one key keep their order.
    ...(m.ordered ? { 'x-warren-orderBy': true } : {}),
  };
}

function subscriptionMethods(model: ApiModel): object[] {
  const events = model.services.flatMap((s) => s.events);
  if (events.length === 0) return [];
  const delivery = (e: (typeof events)[number]) => (e.delivery.kind === 'replayable' ? `replayable (${retentionText(e.delivery)})` : 'volatile');
  const list = events
    .map((e) => `- \`${e.wireName}\`: payload \`${e.payload.typeName}\`, ${delivery(e)}${e.description ? `. ${e.description}` : ''}`)
    .join('\n');
  const replayable = events.filter((e) => e.delivery.kind === 'replayable').map((e) => e.wireName);
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
  // Resuming is for replayable events only; a document with none has no `since`.
  const sinceParam = replayable.length === 0 ? [] : [{ name: 'since', description: 'Replayable events only: resume after this position.', required: false, schema: sinceSchema(replayable) }];
  const codes: ErrorCodeName[] = ['INVALID_PARAMS', 'OVERLOADED', 'UNAVAILABLE'];
  const errors = codes.map((code) => ({ $ref: `${ERRORS}${warrenErrorName(code)}` }));
  return [
    {
      name: 'rpc.subscribe',
      description:
        'Subscribes this connection to a server-pushed event. Each event then arrives as a JSON-RPC notification ' +
        '`{"jsonrpc":"2.0","method":"<service>.<event>","params":{"topic":…,"payload":…}}` ' +
        '(payload schemas are in components.schemas; see also asyncapi.json). A volatile event reaches the connections ' +
        'subscribed when it is emitted, at most once. A replayable one is also stored in the broker: its pushes carry ' +
        `\`params.position\`, and a subscriber that comes back passes the last one it saw as \`since\` to resume after it; ` +
        'a position the history no longer holds gets the notification `{"jsonrpc":"2.0","method":"rpc.historyLost","params":{"event":…,"topic":…,"since":…}}` first. ' +
        `Events:\n${list}`,
      paramStructure: 'either',
      params: [eventParam, topicParam, ...sinceParam],
      result: { name: 'subscribed', schema: subscribeResultSchema(replayable) },
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
