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
}

/** A schema change, named once, with its severity per direction (absent: never reported there). */
interface SchemaRule {
  input?: Severity;
  output?: Severity;
  summary: string;
  example: string;
}

const SCHEMA_RULES = {
  'required-field-added': { input: 'breaking', output: 'safe', summary: 'a required field was added', example: '{a} → {a, b}' },
  'optional-field-added': { input: 'safe', output: 'safe', summary: 'an optional field was added', example: '{a} → {a, b?}' },
  'field-removed': {
    input: 'dangerous',
    output: 'breaking',
    summary: 'a required field was removed (input: the server now ignores it)',
    example: '{a, b} → {a}',
  },
  'optional-field-removed': {
    input: 'dangerous',
    output: 'dangerous',
    summary: 'an optional field was removed (input: the server now ignores it)',
    example: '{a, b?} → {a}',
  },
  'closed-field-removed': {
    input: 'breaking',
    summary: 'a field was removed from a strict object, which now rejects it',
    example: 'z.strictObject({a, b}) → z.strictObject({a})',
  },
  'field-made-required': { input: 'breaking', output: 'safe', summary: 'an optional field became required', example: '{a?} → {a}' },
  'field-made-optional': { input: 'safe', output: 'breaking', summary: 'a required field became optional', example: '{a} → {a?}' },
  'type-changed': { input: 'breaking', output: 'breaking', summary: 'the type was replaced by another', example: 'z.string() → z.number()' },
  'type-narrowed': {
    input: 'breaking',
    output: 'safe',
    summary: 'a type was dropped from a union, or number became integer',
    example: 'z.number() → z.int()',
  },
  'type-widened': {
    input: 'safe',
    output: 'breaking',
    summary: 'a type was added to a union, or integer became number',
    example: 'z.string() → z.union([z.string(), z.number()])',
  },
  'nullable-added': { input: 'safe', output: 'breaking', summary: 'null became allowed', example: 'z.string() → z.string().nullable()' },
  'nullable-removed': { input: 'breaking', output: 'safe', summary: 'null is no longer allowed', example: 'z.string().nullable() → z.string()' },
  'enum-value-added': {
    input: 'safe',
    output: 'dangerous',
    summary: 'an enum or literal value was added (output: exhaustive switches miss it)',
    example: "z.enum(['a']) → z.enum(['a', 'b'])",
  },
  'enum-value-removed': { input: 'breaking', output: 'safe', summary: 'an enum or literal value was removed', example: "z.enum(['a', 'b']) → z.enum(['a'])" },
  'enum-restricted': { input: 'breaking', output: 'safe', summary: 'a free value became an enum or literal', example: "z.string() → z.enum(['a'])" },
  'enum-relaxed': { input: 'safe', output: 'breaking', summary: 'an enum or literal became a free value', example: "z.enum(['a']) → z.string()" },
  'constraint-tightened': {
    input: 'breaking',
    output: 'safe',
    summary: 'a bound, length, pattern, format, multipleOf or uniqueness was added or tightened',
    example: 'z.string() → z.string().max(10)',
  },
  'constraint-loosened': {
    input: 'safe',
    output: 'breaking',
    summary: 'a bound, length, pattern, format, multipleOf or uniqueness was removed or loosened',
    example: 'z.string().max(10) → z.string().max(20)',
  },
  'constraint-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a pattern, format (or its options) or multipleOf was replaced by one that cannot be compared',
    example: "z.string().regex(/^a/) → z.string().regex(/^b/)",
  },
  'object-made-strict': {
    input: 'breaking',
    summary: 'an object stopped accepting unknown properties',
    example: 'z.object({a}) → z.strictObject({a})',
  },
  'object-made-open': { input: 'safe', summary: 'an object started accepting unknown properties', example: 'z.strictObject({a}) → z.object({a})' },
  'tuple-length-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'the tuple length changed so that neither range contains the other',
    example: 'z.tuple([a, b]) → z.tuple([a, b, c])',
  },
  'tuple-length-widened': {
    input: 'safe',
    output: 'breaking',
    summary: 'the tuple accepts more lengths (an optional trailing item was added)',
    example: 'z.tuple([a]) → z.tuple([a, b.optional()])',
  },
  'tuple-length-narrowed': {
    input: 'breaking',
    output: 'safe',
    summary: 'the tuple accepts fewer lengths',
    example: 'z.tuple([a, b.optional()]) → z.tuple([a])',
  },
  'tuple-order-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'the same tuple items now come in another order',
    example: 'z.tuple([z.string(), z.number()]) → z.tuple([z.number(), z.string()])',
  },
  'array-shape-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a list with unique items became a tuple or a tuple such a list (other lists compare with tuples by length and items)',
    example: '{type: array, uniqueItems: true} → z.tuple([z.number()])',
  },
  'variant-added': {
    input: 'safe',
    output: 'dangerous',
    summary: 'a union variant was added (output: exhaustive switches miss it)',
    example: "discriminatedUnion('k', [A]) → discriminatedUnion('k', [A, B])",
  },
  'variant-removed': { input: 'breaking', output: 'safe', summary: 'a union variant was removed', example: "discriminatedUnion('k', [A, B]) → discriminatedUnion('k', [A])" },
  'default-changed': {
    input: 'dangerous',
    summary: 'the default of an omitted field changed: old clients get another behaviour',
    example: 'z.number().default(10) → z.number().default(50)',
  },
  'schema-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a construct the checker cannot compare (not, if/then, a multi-part allOf …) changed',
    example: 'z.intersection(A, B) that does not merge, edited',
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
  },
  'refinement-removed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a custom check was removed (input: its function is opaque, so the change is assumed to break)',
    example: 'z.string().refine(isSlug) → z.string()',
  },
  'refinement-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: "a custom check's function, path or options changed (any edit to its source text counts)",
    example: '.refine((s) => s.length > 2) → .refine((s) => s.length > 3)',
  },
  'transform-changed': {
    input: 'breaking',
    output: 'breaking',
    summary: 'a value rewrite (.transform, z.preprocess, .overwrite, .trim() …, a codec) was added, removed or changed',
    example: 'z.string() → z.string().trim()',
  },
  'coerce-added': { input: 'safe', output: 'safe', summary: 'z.coerce now converts the value before checking it', example: 'z.number() → z.coerce.number()' },
  'coerce-removed': {
    input: 'breaking',
    output: 'safe',
    summary: 'z.coerce was dropped: values it converted are now rejected',
    example: 'z.coerce.number() → z.number() ("5" is rejected)',
  },
  'catch-added': { input: 'safe', output: 'safe', summary: '.catch() now replaces an invalid value instead of rejecting it', example: 'z.number() → z.number().catch(0)' },
  'catch-removed': {
    input: 'breaking',
    output: 'safe',
    summary: '.catch() was dropped: values it replaced are now rejected',
    example: 'z.number().catch(0) → z.number()',
  },
} satisfies Record<string, SchemaRule>;

const ALL_SCHEMA_RULES = { ...SCHEMA_RULES, ...ZOD_RULES };

export type SchemaRuleName = keyof typeof ALL_SCHEMA_RULES;

/** Rules about the surface of a service: methods, events, errors and their options. */
const SURFACE_RULES: Rule[] = [
  { id: 'method.added', severity: 'safe', summary: 'a method was added', example: 'methods: {send} → {send, edit}' },
  { id: 'method.removed', severity: 'breaking', summary: 'a method was removed or renamed without being deprecated first', example: '{send, edit} → {send}' },
  { id: 'method.removed-deprecated', severity: 'dangerous', summary: 'a method the baseline already marked deprecated was removed', example: '{edit: {deprecated: true}} → {}' },
  { id: 'method.deprecated', severity: 'safe', summary: 'a method was marked deprecated', example: 'deprecated: true' },
  { id: 'method.params-structure-changed', severity: 'breaking', summary: 'params switched between by-name (z.object) and by-position (z.tuple)', example: 'z.object({a, b}) → z.tuple([a, b])' },
  { id: 'method.timeout-shortened', severity: 'dangerous', summary: 'the call deadline got shorter (absent counts as 10 000 ms)', example: 'timeoutMs: 5000 → 1000' },
  { id: 'method.timeout-lengthened', severity: 'safe', summary: 'the call deadline got longer', example: 'timeoutMs: 1000 → 5000' },
  { id: 'method.idempotent-removed', severity: 'dangerous', summary: 'idempotent went from true to false: clients must stop resending', example: 'idempotent: true → false' },
  { id: 'method.idempotent-added', severity: 'safe', summary: 'the method became idempotent', example: 'idempotent: false → true' },
  { id: 'method.roles-restricted', severity: 'breaking', summary: 'roles were required or an allowed role was dropped', example: "roles: none → ['admin']" },
  { id: 'method.roles-relaxed', severity: 'safe', summary: 'an allowed role was added or the roles requirement removed', example: "['admin'] → ['admin', 'mod']" },
  { id: 'method.queue-limit-lowered', severity: 'dangerous', summary: 'maxQueueLength was set or lowered: more calls get OVERLOADED', example: 'maxQueueLength: 1000 → 100' },
  { id: 'method.queue-limit-raised', severity: 'safe', summary: 'maxQueueLength was raised or removed', example: 'maxQueueLength: 100 → 1000' },
  { id: 'event.added', severity: 'safe', summary: 'an event was added', example: 'events: {message} → {message, typing}' },
  { id: 'event.removed', severity: 'breaking', summary: 'an event was removed or renamed without being deprecated first', example: '{message, typing} → {message}' },
  { id: 'event.removed-deprecated', severity: 'dangerous', summary: 'an event the baseline already marked deprecated was removed', example: '{typing: {deprecated: true}} → {}' },
  { id: 'event.deprecated', severity: 'safe', summary: 'an event was marked deprecated', example: 'deprecated: true' },
  { id: 'error.added', severity: 'dangerous', summary: 'a declared error was added: a new failure callers have not handled', example: 'errors: {} → {RoomFull}' },
  { id: 'error.removed', severity: 'breaking', summary: 'a declared error was removed or renamed', example: '{RoomFull} → {}' },
  { id: 'error.code-changed', severity: 'breaking', summary: 'a declared error changed its code', example: 'code: 1001 → 1002' },
  { id: 'error.data-added', severity: 'safe', summary: 'a declared error started carrying data', example: 'data: none → z.object({capacity})' },
  { id: 'error.data-removed', severity: 'breaking', summary: 'a declared error stopped carrying data', example: 'data: z.object({capacity}) → none' },
  { id: 'service.major-bumped', severity: 'safe', summary: "the contract's major version went up: its breaking findings are allowed", example: "version: '1.4.0' → '2.0.0'" },
];

function schemaRules(): Rule[] {
  const out: Rule[] = [];
  for (const direction of ['input', 'output'] as const) {
    for (const [name, rule] of Object.entries(ALL_SCHEMA_RULES) as [string, SchemaRule][]) {
      const severity = rule[direction];
      if (severity) out.push({ id: `${direction}.${name}`, severity, summary: rule.summary, example: rule.example });
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
