/**
 * A contract for the abuse and security tests: methods restricted by role, one judged by the
 * gateway's authorize hook, handlers that report what their input looks like (prototype
 * pollution) and handlers that throw secrets (leaks).
 */
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import type { Principal } from '../../src/protocol/call.ts';

export const SECRET = 'hunter2-db-password';

const report = z.object({ plainPrototype: z.boolean(), inherited: z.array(z.string()), polluted: z.boolean() });

export function guardedContract(service: string) {
  return defineContract({
    service,
    methods: {
      open: { input: z.object({ tag: z.string().optional() }), output: z.object({ principal: z.string().nullable(), tag: z.string().optional() }) },
      adminOnly: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }), roles: ['admin'] },
      readers: { input: z.object({}), output: z.object({ ok: z.boolean() }), roles: ['reader', 'admin'] },
      audited: { input: z.object({ room: z.string() }), output: z.object({ room: z.string() }) },
      inspect: { input: z.looseObject({}), output: report },
      inspectRecord: { input: z.object({ map: z.record(z.string(), z.unknown()) }), output: report },
      leak: { input: z.object({}), output: z.object({}) },
      leakObject: { input: z.object({}), output: z.object({}) },
    },
  });
}

/** What a handler can see of an input that might have been polluted. */
function inspect(value: object) {
  const inherited: string[] = [];
  for (const key in value) if (!Object.hasOwn(value, key)) inherited.push(key);
  return {
    plainPrototype: Object.getPrototypeOf(value) === Object.prototype,
    inherited,
    polluted: 'polluted' in {} || ('polluted' in value && !Object.hasOwn(value, 'polluted')),
  };
}

export function guardedImplementation(service: string) {
  return implement(guardedContract(service), {
    open: ({ tag }, ctx) => ({ principal: (ctx.principal as Principal | null)?.id ?? null, tag }),
    adminOnly: ({ n }) => ({ n }),
    readers: () => ({ ok: true }),
    audited: ({ room }) => ({ room }),
    inspect: (input) => inspect(input),
    inspectRecord: ({ map }) => inspect(map),
    leak: () => {
      throw new Error(`connect failed: password=${SECRET} at /srv/app/db.ts:12`, { cause: new Error(SECRET) });
    },
    leakObject: () => {
      // Not an Error, shaped like a JSON-RPC error, carrying what must never reach a client.
      throw { code: -32602, message: SECRET, data: { secret: SECRET }, stack: `Error: ${SECRET}\n    at /srv/app/db.ts:12` };
    },
  });
}

/** Bearer tokens of the test users. A Map, so that `__proto__` or `constructor` find nobody. */
export const USERS = new Map<string, Principal>([
  ['reader-token', { id: 'reader', roles: ['reader'] }],
  ['admin-token', { id: 'admin', roles: ['admin'] }],
  ['odd-token', { id: 'odd', roles: 'admin' }],
]);

/** No Authorization header: anonymous. A known token: its user. Anything else: refused (401). */
export function authenticateBearer(request: { headers: Record<string, string | string[] | undefined> }): Principal | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const user = typeof header === 'string' ? USERS.get(header.replace(/^Bearer /, '')) : undefined;
  if (!user) throw new Error('unknown token');
  return user;
}
