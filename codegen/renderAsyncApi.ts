/**
 * The AsyncAPI 3.0 document: the WebSocket channel `/rpc`, one request/reply operation per
 * method (the server receives the request and replies with a result or an error), and one
 * send operation per event, pushed as a JSON-RPC notification. OpenRPC cannot describe the
 * pushes; this document can. Each event states its delivery (`x-warren-delivery`, the value of
 * eventDelivery()); the pushes of a replayable one carry their `position`.
 */
import { ErrorCode } from 'warren-client/protocol';
import { embed } from './definitions.ts';
import { documentInfo, type DocumentInfo } from './documentInfo.ts';
import type { ApiModel, Message, MethodModel, ServiceModel } from './model.ts';
import { errorComponentName } from './names.ts';
import { DEFAULT_SERVER, deliveryText, EVENT_POSITION_SCHEMA, historyLostSchema, SERVER_ERRORS, sinceSchema, subscribeResultSchema, TOPIC_PATTERN } from './protocolFacts.ts';
import type { JsonSchema } from './toJsonSchema.ts';

const SCHEMAS = '#/components/schemas/';
const CHANNEL = { $ref: '#/channels/rpc' };
const JSONRPC = { type: 'string', const: '2.0' };
const ID = { $ref: `${SCHEMAS}JsonRpcId` };

const channelMessage = (key: string) => ({ $ref: `#/channels/rpc/messages/${key}` });

function envelope(properties: Record<string, unknown>, required: string[]): JsonSchema {
  return { type: 'object', properties: { jsonrpc: JSONRPC, ...properties }, required: ['jsonrpc', ...required] };
}

/** True when the schema requires something, so `params` cannot be left out. */
function requiresParams(message: Message): boolean {
  const { required, minItems } = message.schema;
  return (Array.isArray(required) && required.length > 0) || (typeof minItems === 'number' && minItems > 0);
}

function errorPayload(code: unknown, data: unknown): JsonSchema {
  const error = {
    type: 'object',
    properties: { code, message: { type: 'string' }, ...(data ? { data } : {}) },
    required: ['code', 'message'],
  };
  return envelope({ id: ID, error }, ['id', 'error']);
}

export function renderAsyncApi(model: ApiModel, info?: DocumentInfo): object {
  const schemas: Record<string, unknown> = {
    JsonRpcId: { description: 'JSON-RPC request id, echoed in the response.', type: ['string', 'number', 'null'] },
  };
  for (const message of model.messages) {
    const { root, definitions } = embed(message, SCHEMAS);
    schemas[message.typeName] = root;
    for (const [name, schema] of definitions) schemas[name] ??= schema;
  }
  const messages: Record<string, object> = {};
  const operations: Record<string, object> = {};
  const correlationId = { $ref: '#/components/correlationIds/jsonRpcId' };

  /** A result message for `name`, returning its key. */
  const resultMessage = (name: string, schema: unknown): string => {
    messages[`${name}.result`] = {
      name: `${name}.result`,
      title: `${name} result`,
      correlationId,
      payload: envelope({ id: ID, result: schema }, ['id', 'result']),
    };
    return `${name}.result`;
  };
  /** An operation on the rpc channel; with `replies`, a request/reply one. */
  const operation = (name: string, action: 'send' | 'receive', description: string | undefined, message: string, replies?: string[]) => {
    operations[name] = {
      action,
      channel: CHANNEL,
      title: name,
      ...(description ? { description } : {}),
      messages: [channelMessage(message)],
      ...(replies ? { reply: { channel: CHANNEL, messages: replies.map(channelMessage) } } : {}),
    };
  };

  const warrenCodes = SERVER_ERRORS.map((c) => `${ErrorCode[c]} ${c}`).join(', ');
  messages['rpc.error'] = {
    name: 'rpc.error',
    title: 'Error response',
    summary: `A JSON-RPC error response from Warren itself: ${warrenCodes}.`,
    correlationId,
    payload: errorPayload({ type: 'integer' }, {}),
  };

  const addMethod = (service: ServiceModel, m: MethodModel) => {
    const request = `${m.wireName}.request`;
    messages[request] = {
      name: request,
      title: `${m.wireName} request`,
      summary: `Calls ${m.wireName}; leave out \`id\` to send it as a notification (no reply).`,
      correlationId,
      payload: envelope(
        {
          id: ID,
          method: { type: 'string', const: m.wireName },
          params: { $ref: `${SCHEMAS}${m.input.typeName}` },
          timeoutMs: { type: 'number', exclusiveMinimum: 0, description: 'Warren extension: the caller\'s own, shorter, deadline in milliseconds.' },
        },
        requiresParams(m.input) ? ['method', 'params'] : ['method'],
      ),
    };
    const result = resultMessage(m.wireName, { $ref: `${SCHEMAS}${m.output.typeName}` });
    const replies = [result, ...service.errors.map((e) => `${service.service}.${e.name}.error`), 'rpc.error'];
    operation(m.wireName, 'receive', m.description, request, replies);
  };

  for (const service of model.services) {
    for (const e of service.errors) {
      const key = `${service.service}.${e.name}.error`;
      messages[key] = {
        name: key,
        title: `${errorComponentName(service.service, e.name)} error`,
        summary: `${e.message} (code ${e.code}).`,
        ...(e.description ? { description: e.description } : {}),
        correlationId,
        payload: errorPayload({ type: 'integer', const: e.code }, e.data ? { $ref: `${SCHEMAS}${e.data.typeName}` } : undefined),
      };
    }
    for (const m of service.methods) addMethod(service, m);
    for (const e of service.events) {
      const key = `${e.wireName}.notification`;
      const replayable = e.delivery.kind === 'replayable';
      const description = [e.description, deliveryText(e.delivery)].filter(Boolean).join('\n\n');
      messages[key] = {
        name: key,
        title: `${e.wireName} event`,
        summary: `Pushed to connections subscribed (rpc.subscribe) to ${e.wireName} for its topic.`,
        description,
        'x-warren-delivery': e.delivery,
        payload: envelope(
          {
            method: { type: 'string', const: e.wireName },
            params: {
              type: 'object',
              properties: {
                topic: { type: 'string', pattern: TOPIC_PATTERN },
                payload: { $ref: `${SCHEMAS}${e.payload.typeName}` },
                ...(replayable ? { position: EVENT_POSITION_SCHEMA } : {}),
              },
              required: replayable ? ['topic', 'payload', 'position'] : ['topic', 'payload'],
            },
          },
          ['method', 'params'],
        ),
      };
      operation(e.wireName, 'send', description, key);
    }
  }

  const events = model.services.flatMap((s) => s.events.map((e) => e.wireName));
  const replayable = model.services.flatMap((s) => s.events.filter((e) => e.delivery.kind === 'replayable').map((e) => e.wireName));
  if (events.length > 0) {
    const subscriptionParams = {
      type: 'object',
      properties: { event: { type: 'string', enum: events }, topic: { type: 'string', pattern: TOPIC_PATTERN } },
      required: ['event'],
    };
    // Resuming is for replayable events only; a document with none has no `since`.
    const subscribeParams =
      replayable.length === 0
        ? subscriptionParams
        : { ...subscriptionParams, properties: { ...subscriptionParams.properties, since: sinceSchema(replayable) } };
    for (const [name, resultSchema, description, params] of [
      ['rpc.subscribe', subscribeResultSchema(replayable), 'Subscribes this connection to an event, for one topic or (no topic) every topic.', subscribeParams],
      ['rpc.unsubscribe', { type: 'boolean' }, 'Ends a subscription; the result is false when there was none.', subscriptionParams],
    ] as const) {
      messages[`${name}.request`] = {
        name: `${name}.request`,
        title: `${name} request`,
        correlationId,
        payload: envelope({ id: ID, method: { type: 'string', const: name }, params }, ['id', 'method', 'params']),
      };
      operation(name, 'receive', description, `${name}.request`, [resultMessage(name, resultSchema), 'rpc.error']);
    }
    if (replayable.length > 0) {
      messages['rpc.historyLost'] = {
        name: 'rpc.historyLost',
        title: 'rpc.historyLost',
        summary: 'A resume (rpc.subscribe with since) the history could not honour: the events after since are gone; the subscription continues live.',
        payload: envelope({ method: { type: 'string', const: 'rpc.historyLost' }, params: historyLostSchema(replayable) }, ['method', 'params']),
      };
      operation('rpc.historyLost', 'send', 'Sent before any event of a subscription whose `since` the history no longer holds.', 'rpc.historyLost');
    }
  }

  const sortedKeys = Object.keys(messages).sort();
  return {
    asyncapi: '3.0.0',
    info: documentInfo(model, info),
    defaultContentType: 'application/json',
    servers: {
      default: { host: DEFAULT_SERVER.host, protocol: 'ws', description: 'warren serve (npm start) on its default port' },
    },
    channels: {
      rpc: {
        address: DEFAULT_SERVER.path,
        title: 'JSON-RPC 2.0 over WebSocket',
        description:
          'UTF-8 JSON text frames. Requests may be batched (a JSON array, answered by one array). ' +
          'Responses carry the request id; events arrive as JSON-RPC notifications (no id).',
        messages: Object.fromEntries(sortedKeys.map((key) => [key, { $ref: `#/components/messages/${key}` }])),
      },
    },
    operations,
    components: {
      schemas,
      messages: Object.fromEntries(sortedKeys.map((key) => [key, messages[key]])),
      correlationIds: {
        jsonRpcId: { description: 'A response answers the request with the same id.', location: '$message.payload#/id' },
      },
    },
  };
}
