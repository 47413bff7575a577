/**
 * Service module for the CLI access-hook test: the testkit contract and handlers, a method
 * that needs the `admin` role, and the three hooks as exports. Tokens are fixed strings, so
 * the test reads plainly; the example (examples/chat) checks signed JWTs instead. The service
 * name comes from WARREN_TESTKIT_SERVICE, so runs on one RabbitMQ never share queues.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import type { AuthorizeTarget, SubscribeTarget } from '../../src/gateway/GatewayOptions.ts';
import type { Principal } from '../../src/protocol/call.ts';
import { TESTKIT_ENV, testkitContract, testkitImplementation } from '../helpers/testkit.ts';

const service = process.env[TESTKIT_ENV] ?? 'testkit';
const admin = defineContract({
  service: `${service}admin`,
  methods: {
    purge: { input: z.object({}), output: z.object({ by: z.string() }), roles: ['admin'] },
  },
});

export const contracts = [testkitContract(service), admin];
export const implementations = [
  testkitImplementation(service),
  implement(admin, { purge: (_input, ctx) => ({ by: ctx.principal!.id }) }),
];

const TOKENS: Record<string, Principal> = {
  'admin-token': { id: 'ada', roles: ['admin'] },
  'user-token': { id: 'bob', roles: [] },
};

/** `Authorization: Bearer <token>`; no header is anonymous, an unknown token is refused (401). */
export function authenticate(request: IncomingMessage): Principal | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const principal = TOKENS[/^Bearer (.+)$/.exec(header)?.[1] ?? ''];
  if (!principal) throw new Error('unknown token');
  return principal;
}

/** Anonymous callers may only echo. */
export function authorize(principal: Principal | null, { wireName }: AuthorizeTarget): boolean {
  return principal !== null || wireName === `${service}.echo`;
}

/** Only signed-in callers subscribe, and only to a topic named after themselves. */
export function authorizeSubscribe(principal: Principal | null, { topic }: SubscribeTarget): boolean {
  return principal !== null && topic === principal.id;
}
