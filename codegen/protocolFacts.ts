/**
 * What the documents say about Warren's wire protocol beyond the contracts: the errors Warren
 * itself answers, the topic rule, and the default server address.
 */
import type { ErrorCodeName } from 'warren-client/protocol';
import { pascal } from './names.ts';

/** Warren's own errors any method call can receive from the server (client-side codes excluded). */
export const SERVER_ERRORS: readonly ErrorCodeName[] = ['INVALID_PARAMS', 'INTERNAL_ERROR', 'TIMEOUT', 'UNAVAILABLE', 'UNAUTHORIZED', 'OVERLOADED'];

/** `INVALID_PARAMS` → `InvalidParams`: the error's key in the documents' components. */
export function warrenErrorName(code: ErrorCodeName): string {
  return pascal(code.toLowerCase());
}

/**
 * The gateway's isValidTopic (src/protocol/routing.ts) as a JSON Schema pattern: one AMQP
 * routing-key word. test/codegen/protocolFacts.test.ts keeps the two in step.
 */
export const TOPIC_PATTERN = '^[^.*#\\s]{1,200}$';

/** Where `npm start` listens. A running gateway serves its document with its real address instead. */
export const DEFAULT_SERVER = { host: 'localhost:3000', path: '/rpc' } as const;
