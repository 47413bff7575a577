/**
 * The typed client SDK (`client.ts`): one declaration per message, rendered from its JSON
 * Schema, and namespaced stubs over Warren's client runtime, which is all it imports.
 */
import { refTarget } from './definitions.ts';
import type { ApiModel, Message, MethodModel, ServiceModel } from './model.ts';
import { errorGuardName, paramsShapeTypeName, serviceApiName, serviceEventsName } from './names.ts';
import { hasUnknownTag } from './openValues.ts';
import { docLines, jsDoc, renderDeclaration, UNKNOWN_TAG_DECLARATION, type TypeContext } from './renderType.ts';
import type { JsonSchema } from './toJsonSchema.ts';

export interface ClientRenderOptions {
  /** Module path named in the banner. */
  source: string;
  /** Import specifier of Warren's client runtime. */
  runtimeImport: string;
  /**
   * Render the declarations only (`client.d.ts`): every function becomes `export declare
   * function` with the same signature, and the module's private helper is left out.
   */
  declarations?: boolean;
}

/**
 * An exported function: its full text in `client.ts`, its signature alone in `client.d.ts`.
 * Every exported function of the SDK is written with its return type, so the signature is
 * the whole of its declaration.
 */
function exportedFunction(signature: string, body: string, declarations: boolean | undefined): string {
  return declarations ? `export declare function ${signature};\n` : `export function ${signature} {\n${body}\n}\n`;
}

function contextFor(message: Message): TypeContext {
  return {
    ref: (ref) => refTarget(message, ref),
    where: { service: message.service, message: `${message.wireName} ${message.kind}` },
    root: message.schema,
  };
}

function messageDeclarations(message: Message, contractDescription: string | undefined, emitted: Set<string>): string[] {
  const ctx = contextFor(message);
  const { definitions, ...root } = message.schema;
  const doc = [message.summary, ...(contractDescription ? [contractDescription] : []), ...docLines(root)];
  return [renderDeclaration(message.typeName, root, doc, ctx), ...definitionDeclarations(message, emitted)];
}

function definitionDeclarations(message: Message, emitted: Set<string>): string[] {
  const ctx = contextFor(message);
  const out: string[] = [];
  for (const [key, definition] of Object.entries((message.schema.definitions ?? {}) as Record<string, JsonSchema>)) {
    const name = message.definitionNames.get(key)!;
    if (emitted.has(name)) continue;
    emitted.add(name);
    const lines = docLines(definition);
    out.push(renderDeclaration(name, definition, lines.length ? lines : [`Defined by ${message.wireName} ${message.kind}.`], ctx));
  }
  return out;
}

const SHAPES = ['by-position', 'by-name'] as const;

/** The two shapes of params taken either way (the branches of the input's oneOf), by shape. */
function eitherShapes(message: Message): Record<(typeof SHAPES)[number], JsonSchema> {
  const shapes = (message.schema.oneOf ?? []) as JsonSchema[];
  return {
    'by-position': shapes.find((shape) => shape.type === 'array')!,
    'by-name': shapes.find((shape) => shape.type === 'object')!,
  };
}

/** Params taken either way: one declaration per shape, and the input type as their union. */
function eitherDeclarations(message: Message, emitted: Set<string>): string[] {
  const ctx = contextFor(message);
  const { definitions: _definitions, oneOf: _oneOf, ...root } = message.schema;
  const shapes = eitherShapes(message);
  const names = SHAPES.map((shape) => paramsShapeTypeName(message.typeName, shape));
  const union = `${jsDoc([message.summary, ...docLines(root)], '')}export type ${message.typeName} = ${names.join(' | ')};\n`;
  const declarations = SHAPES.map((shape, i) =>
    renderDeclaration(names[i]!, shapes[shape], [`Params of \`${message.wireName}\` ${shape.replace('-', ' ')}.`, ...docLines(shapes[shape])], ctx),
  );
  return [union, ...declarations, ...definitionDeclarations(message, emitted)];
}

function serviceTypes(service: ServiceModel, emitted: Set<string>): string[] {
  const out: string[] = [];
  for (const m of service.methods) {
    const input = m.params === 'either' ? eitherDeclarations(m.input, emitted) : messageDeclarations(m.input, undefined, emitted);
    out.push(...input, ...messageDeclarations(m.output, undefined, emitted));
  }
  for (const e of service.events) out.push(...messageDeclarations(e.payload, e.description, emitted));
  for (const e of service.errors) if (e.data) out.push(...messageDeclarations(e.data, e.description, emitted));
  return out;
}

/** The input types of a method's signatures: one, or one per shape (overloads) for params taken either way. */
function signatureInputs(m: MethodModel): string[] {
  return m.params === 'either' ? SHAPES.map((shape) => paramsShapeTypeName(m.input.typeName, shape)) : [m.input.typeName];
}

function serviceRuntime(service: ServiceModel, declarations: boolean | undefined): string[] {
  const out: string[] = [];
  const s = service.service;
  if (service.events.length > 0) {
    const members = service.events.map((e) => `${jsDoc(e.description ? [e.description] : [], '  ')}  ${e.name}: ${e.payload.typeName};`);
    out.push(`${jsDoc([`The events of the ${s} service, by name, with their payload types.`], '')}export interface ${serviceEventsName(s)} {\n${members.join('\n')}\n}\n`);
  }
  for (const e of service.errors) {
    const data = e.data ? `; readonly data: ${e.data.typeName}` : '';
    const doc = [`True when \`err\` is the ${s} service's declared error ${e.name} (code ${e.code}, "${e.message}").`];
    if (e.description) doc.push(e.description);
    out.push(
      jsDoc(doc, '') +
        exportedFunction(
          `${errorGuardName(s, e.name)}(err: unknown): err is WarrenError & { readonly code: ${e.code}${data} }`,
          `  return err instanceof WarrenError && err.code === ${e.code};`,
          declarations,
        ),
    );
  }
  const api: string[] = [];
  for (const m of service.methods) {
    const doc = [...(m.description ? [m.description] : []), `Calls \`${m.wireName}\`.`];
    if (m.timeoutMs !== undefined) doc.push(`Server deadline: ${m.timeoutMs} ms.`);
    if (m.ordered) doc.push('Ordered: calls with the same key (the contract\'s orderBy) run one after another, in the order the gateway received them.');
    if (m.idempotent) doc.push('Idempotent: a call cut off by a lost connection is sent again after the reconnect, within its deadline.');
    if (m.params === 'either') doc.push('Params by position or by name: one overload each.');
    for (const input of signatureInputs(m)) {
      api.push(`${jsDoc(doc, '  ')}  ${m.name}(input: ${input}, options?: CallOptions): Promise<${m.output.typeName}>;`);
    }
  }
  const notify = service.methods.flatMap((m) => signatureInputs(m).map((input) => `    ${m.name}(input: ${input}): Promise<void>;`));
  api.push(`${jsDoc(['JSON-RPC notifications: the method runs, nothing is answered, errors are not reported.'], '  ')}  notify: {\n${notify.join('\n')}\n  };`);
  if (service.events.length > 0) {
    const events = serviceEventsName(s);
    api.push(
      `${jsDoc(['Subscribes to one of the service\'s events, for one topic or (no topic) every topic.', 'Resolves once the server confirmed, with a function that unsubscribes.'], '  ')}` +
        `  on<E extends keyof ${events}>(event: E, filter: EventFilter, handler: (payload: ${events}[E], topic: string) => void): Promise<Unsubscribe>;`,
    );
  }
  out.push(`${jsDoc(service.description ? [service.description] : [`The ${s} service.`], '')}export interface ${serviceApiName(s)} {\n${api.join('\n')}\n}\n`);
  return out;
}

function stubs(service: ServiceModel): string {
  const s = service.service;
  const lines: string[] = [];
  for (const m of service.methods) {
    // The contract's idempotency reaches the runtime per call; a caller's own option still wins.
    const options = m.idempotent ? '{ idempotent: true, ...options }' : 'options';
    // An overloaded member gives its parameters no contextual type: they are written out.
    const [input, withOptions] = m.params === 'either' ? [`input: ${m.input.typeName}`, `input: ${m.input.typeName}, options?: CallOptions`] : ['input', 'input, options'];
    lines.push(`      ${m.name}: (${withOptions}) => client.call<${m.output.typeName}>('${m.wireName}', params(input), ${options}),`);
  }
  lines.push('      notify: {');
  for (const m of service.methods) {
    const input = m.params === 'either' ? `input: ${m.input.typeName}` : 'input';
    lines.push(`        ${m.name}: (${input}) => client.notify('${m.wireName}', params(input)),`);
  }
  lines.push('      },');
  if (service.events.length > 0) {
    const events = serviceEventsName(s);
    lines.push(
      `      on<E extends keyof ${events}>(event: E, filter: EventFilter, handler: (payload: ${events}[E], topic: string) => void) {`,
      `        return client.subscribe<${events}[E]>(\`${s}.\${event}\`, filter.topic, handler, filter.onHistoryLost ? { onHistoryLost: filter.onHistoryLost } : {});`,
      '      },',
    );
  }
  return `    ${s}: {\n${lines.join('\n')}\n    },`;
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The text of `client.ts`, or with `declarations` of `client.d.ts`. */
export function renderClient(model: ApiModel, options: ClientRenderOptions): string {
  const emitted = new Set<string>();
  const parts: string[] = [
    `// generated by warren codegen from ${options.source} — do not edit\n`,
    jsDoc(
      [
        `Typed client SDK for the ${listOf(model.services.map((s) => s.service))} service${model.services.length === 1 ? '' : 's'}.`,
        'It imports only Warren\'s client runtime, so it runs in Node and bundles for a browser.',
        '',
        '    const api = connect({ url: \'ws://localhost:3000/rpc\' });',
        '    const result = await api.<service>.<method>(input, { timeoutMs: 2000 });',
        '    api.$client.onState(({ state }) => console.log(state));   // connecting, open, reconnecting, closed',
        '',
        'The connection comes back by itself (see ClientOptions.reconnect) and re-subscribes; a call cut off',
        'by a lost connection rejects with CONNECTION_LOST unless its method is idempotent in the contract.',
      ],
      '',
    ),
    `import { WarrenClient, WarrenError, type CallOptions, type ClientOptions, type ConnectionState, type StateChange } from '${options.runtimeImport}';\n`,
    'export { WarrenClient, WarrenError };\nexport type { CallOptions, ClientOptions, ConnectionState, StateChange };\n',
  ];
  if (model.messages.some((m) => hasUnknownTag(m.schema))) parts.push(UNKNOWN_TAG_DECLARATION);
  for (const service of model.services) {
    parts.push(`// ${service.service} ${'-'.repeat(Math.max(3, 96 - service.service.length))}\n`);
    parts.push(...serviceTypes(service, emitted), ...serviceRuntime(service, options.declarations));
  }
  parts.push(`// Wiring ${'-'.repeat(90)}\n`);
  const methods = model.services.flatMap((s) =>
    s.methods.map((m) => `  '${m.wireName}': { input: ${m.input.typeName}; output: ${m.output.typeName} };`),
  );
  const events = model.services.flatMap((s) => s.events.map((e) => `  '${e.wireName}': ${e.payload.typeName};`));
  parts.push(
    `${jsDoc(['Every method by wire name, with its input and output types.'], '')}export interface Methods {\n${methods.join('\n')}\n}\n`,
    `${jsDoc(['Every event by wire name, with its payload type.'], '')}export interface Events {${events.length ? `\n${events.join('\n')}\n` : ''}}\n`,
    `${jsDoc(['Which events a subscription receives.'], '')}export interface EventFilter {\n  /** Only events emitted with this topic (e.g. a room name); omit for every topic. */\n  topic?: string;\n  /**\n   * Replayable events: the subscription could not resume after a reconnect (the events missed\n   * are past the history the server keeps); reload the state. Events from now on arrive as usual.\n   */\n  onHistoryLost?: () => void;\n}\n`,
    `${jsDoc(['Ends a subscription; resolves once the server confirmed.'], '')}export type Unsubscribe = () => Promise<void>;\n`,
    `${jsDoc(['The typed API, one namespace per service.'], '')}export interface Api {\n${model.services.map((s) => `  ${s.service}: ${serviceApiName(s.service)};`).join('\n')}\n}\n`,
  );
  if (!options.declarations) {
    parts.push(
      `${jsDoc(['Params travel as a JSON object (named) or array (positional); interfaces lack the index signature the runtime declares.'], '')}function params(input: object): Record<string, unknown> | unknown[] {\n  return input as Record<string, unknown> | unknown[];\n}\n`,
    );
  }
  parts.push(
    jsDoc(['The typed API over an existing client connection.'], '') +
      exportedFunction('createApi(client: WarrenClient): Api', `  return {\n${model.services.map(stubs).join('\n')}\n  };`, options.declarations),
    `${jsDoc(['The typed API plus the connection it runs on (`$client`: close it when done).'], '')}export interface ConnectedApi extends Api {\n  readonly $client: WarrenClient;\n}\n`,
    jsDoc(['Opens a connection and returns the typed API over it. Calls wait until the connection is open, within their deadline.'], '') +
      exportedFunction(
        'connect(options: ClientOptions): ConnectedApi',
        '  const client = new WarrenClient(options);\n  return { ...createApi(client), $client: client };',
        options.declarations,
      ),
  );
  return parts.join('\n');
}
