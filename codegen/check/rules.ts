/**
 * The closed table of `warren check` rules. Ids are stable: tools and CI scripts may match on
 * them. A schema rule exists in two directions with its own severity each:
 * - `input.*`: what a client sends (method params, also when sent as a notification). The new
 *   schema must still accept everything the old one accepted.
 * - `output.*`: what a client receives (results, event payloads, declared error data). Everything
 *   the new schema allows must still be something the old one promised.
 */

export type Severity = 'breaking' | 'dangerous' | 'safe';

export type Direction = 'input' | 'output';

export interface Rule {
  id: string;
  severity: Severity;
  /** What changed, in a few words. */
  summary: string;
  /** A zod before → after that triggers it. */
  example: string;
  /** How to make the change compatible, or why nothing needs doing; the text report prints it. */
  advice: string;
}

/** A schema change, named once, with its severity per direction (absent: never reported there). */
interface SchemaRule {
  input?: Severity;
  output?: Severity;
  summary: string;
  example: string;
  /** One text for both directions, or one per direction. */
  advice: string | { input?: string; output?: string };
}

/** The advice of a change that breaks no one. */
const NOTHING = 'nothing to do: no existing client breaks';

const SCHEMA_RULES = {
  'required-field-added': { input: 'breaking', output: 'safe', summary: 'a required field was added', example: '{a} → {a, b}', advice: { input: 'make the new field optional, or give it a .default()', output: NOTHING } },
  'optional-field-added': { input: 'safe', output: 'safe', summary: 'an optional field was added', example: '{a} → {a, b?}', advice: NOTHING },
  'field-removed': {
    input: 'dangerous',
    output: 'breaking',
    summary: 'a required field was removed (input: the server now ignores it)',
    example: '{a, b} → {a}',
    advice: { input: 'keep accepting the field (optional) until no client sends it, or deprecate the method and add a new one', output: 'keep sending the field; to retire it, make it optional in a major version' },
  },
  'optional-field-removed': {
    input: 'dangerous',
    output: 'dangerous',
    summary: 'an optional field was removed (input: the server now ignores it)',
    example: '{a, b?} → {a}',
    advice: { input: 'keep accepting the field until no client sends it', output: 'keep sending the field, or make sure clients treat it as absent' },
  },
  'closed-field-removed': {
    input: 'breaking',
    summary: 'a field was removed from a strict object, which now rejects it',
    example: 'z.strictObject({a, b}) → z.strictObject({a})',
    advice: 'keep the field in the strict object (optional), or use z.object, which strips unknown keys',
  },
  'field-made-required': { input: 'breaking', output: 'safe', summary: 'an optional field became required', example: '{a?} → {a}', advice: { input: 'keep the field optional, or give it a .default()', output: NOTHING } },
  'field-made-optional': { input: 'safe', output: 'breaking', summary: 'a required field became optional', example: '{a} → {a?}', advice: { input: NOTHING, output: 'keep sending the field; if it can be missing, add a new optional field instead' } },
  'type-changed': { input: 'breaking', output: 'breaking', summary: 'the type was replaced by another', example: 'z.string() → z.number()', advice: 'keep the old type and add a new field (or method) with the new one' },
  'type-narrowed': {
    input: 'breaking',
    output: 'safe',
    summary: 'a type was dropped from a union, or number became integer',
    example: 'z.number() → z.int()',
    advice: { input: 'keep accepting the old type, and convert it in the handler', output: NOTHING },
  },
  'type-widened': {
    input: 'safe',
    output: 'breaking',
    summary: 'a type was added to a union, or integer became number',
    example: 'z.string() → z.union([z.string(), z.number()])',
    advice: { input: NOTHING, output: 'send the new type in a new field; old clients cannot hold it in this one' },
  },
  'nullable-added': { input: 'safe', output: 'breaking', summary: 'null became allowed', example: 'z.string() → z.string().nullable()', advice: { input: NOTHING, output: 'keep the field non-null; send a new optional field or a sentinel value instead' } },
  'nullable-removed': { input: 'breaking', output: 'safe', summary: 'null is no longer allowed', example: 'z.string().nullable() → z.string()', advice: { input: 'keep accepting null, and treat it as before in the handler', output: NOTHING } },
  'enum-value-added': {
    input: 'safe',
    output: 'breaking',
    summary: 'a value was added to an enum or literal (output: an old SDK\'s type cannot hold it)',
    example: "z.enum(['a']) → z.enum(['a', 'b'])",
    advice: { input: NOTHING, output: 'add the value in a major version, or declare the enum open (.meta({ open: true })) in a major version so that later additions are safe' },
  },
  'enum-value-removed': { input: 'breaking', output: 'safe', summary: 'an enum or literal value was removed', example: "z.enum(['a', 'b']) → z.enum(['a'])", advice: { input: 'keep accepting the value; map it to its replacement in the handler', output: NOTHING } },
  'enum-restricted': { input: 'breaking', output: 'safe', summary: 'a free value became an enum or literal', example: "z.string() → z.enum(['a'])", advice: { input: 'keep accepting any value, and reject unknown ones in the handler with a declared error', output: NOTHING } },
  'enum-relaxed': { input: 'safe', output: 'breaking', summary: 'an enum or literal became a free value', example: "z.enum(['a']) → z.string()", advice: { input: NOTHING, output: 'keep the enum; send free values in a new field' } },
  'constraint-tightened': {
    input: 'breaking',
    output: 'safe',
    summary: 'a bound, length, pattern, format, multipleOf or uniqueness was added or tightened',
    example: 'z.string() → z.string().max(10)',
    advice: { input: 'keep the old bound; reject the values you no longer want in the handler with a declared error', output: NOTHING },
  },
  'constraint-loosened': {
    input: 'safe',
    output: 'breaking',
    summary: 'a bound, length, pattern, format, multipleOf or uniqueness was removed or loosened',
    example: 'z.string().max(10) → z.string().max(20)',
    advice: { input: NOTHING, output: 'keep the old bound on what you send, or send the wider values in a new field' },
  },
  'constraint-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a pattern, format (or its options) or multipleOf was replaced by one that cannot be compared',
    example: "z.string().regex(/^a/) → z.string().regex(/^b/)",
    advice: 'keep the old pattern, format or multipleOf; if it must change, add a new field',
  },
  'object-made-strict': {
    input: 'breaking',
    output: 'safe',
    summary: 'an object stopped accepting unknown properties (output: a result object became strict, closed to new fields)',
    example: 'z.object({a}) → z.strictObject({a})',
    advice: { input: 'keep the object plain (z.object strips unknown keys)', output: NOTHING },
  },
  'object-made-open': { input: 'safe', output: 'breaking', summary: 'an object started accepting unknown properties (output: a strict result object stopped promising no new fields)', example: 'z.strictObject({a}) → z.object({a})', advice: { input: NOTHING, output: 'keep the object strict; open it only in a major version' } },
  'tuple-length-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'the tuple length changed so that neither range contains the other',
    example: 'z.tuple([a, b]) → z.tuple([a, b, c])',
    advice: 'keep the old positions; add new params as optional trailing items, or add a new method',
  },
  'tuple-length-widened': {
    input: 'safe',
    output: 'breaking',
    summary: 'the tuple accepts more lengths (an optional trailing item was added)',
    example: 'z.tuple([a]) → z.tuple([a, b.optional()])',
    advice: { input: NOTHING, output: 'keep the result the same length; send more in a new method or field' },
  },
  'tuple-length-narrowed': {
    input: 'breaking',
    output: 'safe',
    summary: 'the tuple accepts fewer lengths',
    example: 'z.tuple([a, b.optional()]) → z.tuple([a])',
    advice: { input: 'keep accepting the old length; ignore the extra items in the handler', output: NOTHING },
  },
  'tuple-order-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'the same tuple items now come in another order',
    example: 'z.tuple([z.string(), z.number()]) → z.tuple([z.number(), z.string()])',
    advice: 'keep the old order; positions are the contract',
  },
  'variant-added': {
    input: 'safe',
    output: 'breaking',
    summary: 'a union variant was added (output: an old SDK\'s type cannot hold it)',
    example: "discriminatedUnion('k', [A]) → discriminatedUnion('k', [A, B])",
    advice: { input: NOTHING, output: 'add the variant in a major version, or declare the union open (.meta({ open: true })) in a major version so that later variants are safe' },
  },
  'variant-removed': { input: 'breaking', output: 'safe', summary: 'a union variant was removed', example: "discriminatedUnion('k', [A, B]) → discriminatedUnion('k', [A])", advice: { input: 'keep accepting the variant; map it to its replacement in the handler', output: NOTHING } },
  'default-changed': {
    input: 'dangerous',
    summary: 'the default of an omitted field changed: old clients get another behaviour',
    example: 'z.number().default(10) → z.number().default(50)',
    advice: 'keep the old default; clients that want the new value can send it',
  },
  'schema-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a construct the checker cannot compare (not, if/then, a multi-part allOf …) changed',
    example: 'z.intersection(A, B) that does not merge, edited',
    advice: 'restore the old construct, or add a new field or method; if the change is compatible, bump the major version anyway: the checker cannot prove it',
  },
  // Open and closed values in what clients receive (`.meta({ open: true })`, z.strictObject).
  'open-enum-value-added': {
    output: 'safe',
    summary: 'a value was added to an open enum or literal: old SDKs hold it as their unknown value',
    example: "z.enum(['a']).meta({ open: true }) → z.enum(['a', 'b']).meta({ open: true })",
    advice: NOTHING,
  },
  'open-variant-added': {
    output: 'safe',
    summary: 'a variant was added to an open union: old SDKs hold it as their unknown variant',
    example: "discriminatedUnion('k', [A]).meta({ open: true }) → discriminatedUnion('k', [A, B]).meta({ open: true })",
    advice: NOTHING,
  },
  'enum-opened': {
    output: 'breaking',
    summary: 'an enum or literal was declared open: SDKs built before it have no unknown value, so later additions would break them',
    example: "z.enum(['a']) → z.enum(['a']).meta({ open: true })",
    advice: 'declare it open in a major version (or before the first release), so that every client has the unknown case',
  },
  'enum-closed': {
    output: 'safe',
    summary: 'an open enum or literal was closed: no more values will be added',
    example: "z.enum(['a']).meta({ open: true }) → z.enum(['a'])",
    advice: NOTHING,
  },
  'union-opened': {
    output: 'breaking',
    summary: 'a union was declared open: SDKs built before it have no unknown variant, so later variants would break them',
    example: "discriminatedUnion('k', [A]) → discriminatedUnion('k', [A]).meta({ open: true })",
    advice: 'declare it open in a major version (or before the first release), so that every client has the unknown case',
  },
  'union-closed': {
    output: 'safe',
    summary: 'an open union was closed: no more variants will be added',
    example: "discriminatedUnion('k', [A]).meta({ open: true }) → discriminatedUnion('k', [A])",
    advice: NOTHING,
  },
  'closed-field-added': {
    output: 'breaking',
    summary: 'a field was added to a strict result object, which promised no new fields',
    example: 'z.strictObject({a}) → z.strictObject({a, b})',
    advice: 'add the field in a major version, or make the result a plain z.object (in a major version) so that new fields are safe',
  },
} satisfies Record<string, SchemaRule>;

/**
 * Rules about what zod knows and JSON Schema drops (codegen/check/zodFacts.ts). A refinement or
 * transform is known only by a fingerprint of its function, so any edit to one breaks params;
 * in output, only adding a refinement is known to narrow what clients receive.
 */
const ZOD_RULES = {
  'refinement-added': {
    input: 'breaking',
    output: 'safe',
    summary: 'a custom check (.refine, .superRefine, .check) was added',
    example: 'z.string() → z.string().refine((s) => s.trim() !== s)',
    advice: { input: 'drop the check from params, or add a new field or method that has it', output: NOTHING },
  },
  'refinement-removed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a custom check was removed (input: its function is opaque, so the change is assumed to break)',
    example: 'z.string().refine(isSlug) → z.string()',
    advice: { input: 'keep the check; if it really accepts more now, bump the major version', output: 'keep the check on what the service sends' },
  },
  'refinement-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: "a custom check's function, path or options changed (any edit to its source text counts)",
    example: '.refine((s) => s.length > 2) → .refine((s) => s.length > 3)',
    advice: 'keep the check as it was; put a changed check on a new field or method, or bump the major version',
  },
  'transform-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a value rewrite (.transform, z.preprocess, .overwrite, .trim() …, a codec) was added, removed or changed',
    example: 'z.string() → z.string().trim()',
    advice: 'keep the rewrite as it was, or bump the major version: clients see other values',
  },
  'coerce-added': { input: 'safe', output: 'safe', summary: 'z.coerce now converts the value before checking it', example: 'z.number() → z.coerce.number()', advice: NOTHING },
  'coerce-removed': {
    input: 'breaking',
    output: 'safe',
    summary: 'z.coerce was dropped: values it converted are now rejected',
    example: 'z.coerce.number() → z.number() ("5" is rejected)',
    advice: { input: 'keep z.coerce: old clients send values it converted', output: NOTHING },
  },
  'catch-added': { input: 'safe', output: 'safe', summary: '.catch() now replaces an invalid value instead of rejecting it', example: 'z.number() → z.number().catch(0)', advice: NOTHING },
  'catch-removed': {
    input: 'breaking',
    output: 'safe',
    summary: '.catch() was dropped: values it replaced are now rejected',
    example: 'z.number().catch(0) → z.number()',
    advice: { input: 'keep .catch(): old clients send values it replaced', output: NOTHING },
  },
} satisfies Record<string, SchemaRule>;

const ALL_SCHEMA_RULES = { ...SCHEMA_RULES, ...ZOD_RULES };

export type SchemaRuleName = keyof typeof ALL_SCHEMA_RULES;

/** Rules about the surface of a service: methods, events, errors and their options. */
const SURFACE_RULES: Rule[] = [
  { id: 'method.added', severity: 'safe', summary: 'a method was added', example: 'methods: {send} → {send, edit}', advice: NOTHING },
  { id: 'method.removed', severity: 'breaking', summary: 'a method was removed or renamed without being deprecated first', example: '{send, edit} → {send}', advice: 'deprecate the method (deprecated: true), release and update the lock, and remove it in a later change; for a rename, keep the old name beside the new one' },
  { id: 'method.removed-deprecated', severity: 'dangerous', summary: 'a method the baseline already marked deprecated was removed', example: '{edit: {deprecated: true}} → {}', advice: 'make sure no client still calls it' },
  { id: 'method.deprecated', severity: 'safe', summary: 'a method was marked deprecated', example: 'deprecated: true', advice: NOTHING },
  { id: 'method.params-structure-changed', severity: 'breaking', summary: 'params switched between by-name (z.object) and by-position (z.tuple)', example: 'z.object({a, b}) → z.tuple([a, b])', advice: 'keep the params style; add a new method for the other style' },
  { id: 'method.params-shape-removed', severity: 'breaking', summary: 'a method that took params by position or by name (a union of both) lost one of the two', example: 'z.union([z.tuple([a, b]), z.object({a, b})]) → z.object({a, b})', advice: 'keep both shapes; deprecate the method and add one with the single shape' },
  { id: 'method.params-shape-added', severity: 'safe', summary: 'a method now also takes params in the other style (a union of a tuple and an object)', example: 'z.object({a, b}) → z.union([z.tuple([a, b]), z.object({a, b})])', advice: NOTHING },
  { id: 'method.timeout-shortened', severity: 'dangerous', summary: 'the call deadline got shorter (absent counts as 10 000 ms)', example: 'timeoutMs: 5000 → 1000', advice: 'keep the old deadline unless every call finishes well within the new one' },
  { id: 'method.timeout-lengthened', severity: 'safe', summary: 'the call deadline got longer', example: 'timeoutMs: 1000 → 5000', advice: NOTHING },
  { id: 'method.idempotent-removed', severity: 'breaking', summary: 'idempotent went from true to false: old clients resend calls that are no longer safe to resend', example: 'idempotent: true → false', advice: 'keep the method safe to run twice, or add a new method that is not idempotent and deprecate this one' },
  { id: 'method.idempotent-added', severity: 'safe', summary: 'the method became idempotent', example: 'idempotent: false → true', advice: NOTHING },
  { id: 'method.order-added', severity: 'dangerous', summary: 'orderBy was added: the calls go to shard queues instead of the method queue', example: 'orderBy: (input) => input.room', advice: 'deploy workers and gateways of the new version together, after the method queue has drained: old gateways publish to a queue new workers no longer consume, and new gateways to shards old workers do not' },
  { id: 'method.order-removed', severity: 'dangerous', summary: 'orderBy was removed: the calls go to the method queue instead of the shard queues, and clients that relied on their order lose it', example: 'orderBy: (input) => input.room → none', advice: 'make sure no client relies on the order; deploy workers and gateways together, after the shard queues have drained' },
  { id: 'method.roles-restricted', severity: 'breaking', summary: 'roles were required or an allowed role was dropped', example: "roles: none → ['admin']", advice: 'add a new method with the roles and deprecate this one, or bump the major version' },
  { id: 'method.roles-relaxed', severity: 'safe', summary: 'an allowed role was added or the roles requirement removed', example: "['admin'] → ['admin', 'mod']", advice: NOTHING },
  { id: 'method.queue-limit-lowered', severity: 'dangerous', summary: 'maxQueueLength was set or lowered: more calls get OVERLOADED', example: 'maxQueueLength: 1000 → 100', advice: 'make sure callers handle OVERLOADED, or keep the old limit' },
  { id: 'method.queue-limit-raised', severity: 'safe', summary: 'maxQueueLength was raised or removed', example: 'maxQueueLength: 100 → 1000', advice: NOTHING },
  { id: 'event.added', severity: 'safe', summary: 'an event was added', example: 'events: {message} → {message, typing}', advice: NOTHING },
  { id: 'event.removed', severity: 'breaking', summary: 'an event was removed or renamed without being deprecated first', example: '{message, typing} → {message}', advice: 'deprecate the event (deprecated: true), release and update the lock, and remove it in a later change' },
  { id: 'event.removed-deprecated', severity: 'dangerous', summary: 'an event the baseline already marked deprecated was removed', example: '{typing: {deprecated: true}} → {}', advice: 'make sure no client still subscribes to it' },
  { id: 'event.deprecated', severity: 'safe', summary: 'an event was marked deprecated', example: 'deprecated: true', advice: NOTHING },
  {
    id: 'event.replayable-removed',
    severity: 'breaking',
    summary: 'a replayable event became volatile: subscribers that resume after a reconnect silently lose the events they missed',
    example: "delivery: 'replayable' → 'volatile'",
    advice: 'keep the event replayable; to stop storing it, add a volatile event beside it and deprecate this one, or bump the major version',
  },
  { id: 'event.replayable-added', severity: 'safe', summary: 'a volatile event became replayable: subscribers may now resume', example: "delivery: 'volatile' → 'replayable'", advice: NOTHING },
  {
    id: 'event.retention-shortened',
    severity: 'dangerous',
    summary: 'a replayable event keeps less history (a lower maxAge or maxBytes, or a new limit)',
    example: "retention: { maxAge: '7D' } → { maxAge: '1D' }",
    advice: 'keep the old retention unless subscribers come back well within the new one: one away for longer misses the events that are no longer kept',
  },
  { id: 'event.retention-lengthened', severity: 'safe', summary: 'a replayable event keeps more history (a higher limit, or one removed)', example: "retention: { maxAge: '1D' } → { maxAge: '7D' }", advice: NOTHING },
  { id: 'error.added', severity: 'dangerous', summary: 'a declared error was added: a new failure callers have not handled', example: 'errors: {} → {RoomFull}', advice: 'make sure callers handle the new error, or send one they already know' },
  { id: 'error.removed', severity: 'breaking', summary: 'a declared error was removed or renamed', example: '{RoomFull} → {}', advice: 'keep declaring the error, even if the handler no longer raises it' },
  { id: 'error.code-changed', severity: 'breaking', summary: 'a declared error changed its code', example: 'code: 1001 → 1002', advice: 'keep the old code; declare a new error for the new one' },
  { id: 'error.data-added', severity: 'safe', summary: 'a declared error started carrying data', example: 'data: none → z.object({capacity})', advice: NOTHING },
  { id: 'error.data-removed', severity: 'breaking', summary: 'a declared error stopped carrying data', example: 'data: z.object({capacity}) → none', advice: 'keep sending the data' },
  { id: 'service.major-bumped', severity: 'safe', summary: "the contract's major version went up: its breaking findings are allowed", example: "version: '1.4.0' → '2.0.0'", advice: 'release the new major version as such: clients must upgrade on purpose' },
];

function schemaRules(): Rule[] {
  const out: Rule[] = [];
  for (const direction of ['input', 'output'] as const) {
    for (const [name, rule] of Object.entries(ALL_SCHEMA_RULES) as [string, SchemaRule][]) {
      const severity = rule[direction];
      const advice = typeof rule.advice === 'string' ? rule.advice : rule.advice[direction];
      if (severity) out.push({ id: `${direction}.${name}`, severity, summary: rule.summary, example: rule.example, advice: advice ?? '' });
    }
  }
  return out;
}

/** Every rule, schema rules first (input, then output), then surface rules. */
export const RULES: readonly Rule[] = Object.freeze([...schemaRules(), ...SURFACE_RULES]);

const BY_ID = new Map(RULES.map((rule) => [rule.id, rule]));

/** The rule with this id. @throws Error for an id not in the table: a checker bug. */
export function rule(id: string): Rule {
  const found = BY_ID.get(id);
  if (!found) throw new Error(`warren check: unknown rule ${id}`);
  return found;
}

/** The id of a schema rule in a direction, or undefined when that direction never reports it. */
export function schemaRuleId(name: SchemaRuleName, direction: Direction): string | undefined {
  const id = `${direction}.${name}`;
  return BY_ID.has(id) ? id : undefined;
}
