/**
 * The `rpc.*` methods the gateway answers itself, for one connection: `rpc.ping`,
 * `rpc.subscribe`, `rpc.unsubscribe` and `rpc.cancel` always, `rpc.discover` when the gateway
 * serves its discovery document. Any other `rpc.*` method is METHOD_NOT_FOUND.
 *
 * `rpc.cancel` takes `{ id }` or `[id]`, the id of a request of this connection in flight: that
 * request is answered CANCELLED at once and its call cancelled on the workers (Publisher.cancel).
 * Sent as a request it is answered `true`, or `false` when no request with that id was in
 * flight (never sent, or answered already); as a notification, the way Warren's client sends
 * it, it gets nothing.
 */
import { encodeResult, errorBody, ErrorCode, WarrenError, type Id, type Request } from 'warren-client/protocol';
import type { Logger } from '../contract/implement.ts';
import { errorReply, methodNotFoundBody } from '../protocol/errors.ts';
import { answerNow, type Done } from './Answer.ts';
import type { Discovery } from './discovery.ts';
import type { SocketSubscriptions } from './SocketSubscriptions.ts';
import type { Publisher } from './Publisher.ts';

/** `rpc.ping` and `rpc.discover` take no params: positional ones are too many. */
const TAKES_NO_PARAMS = errorBody(
  new WarrenError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
    data: { issues: [{ code: 'too_big', path: [], message: 'Too many params: expected none' }] },
  }).toJSON(),
);

/**
 * The id `rpc.cancel` names, from `{ id }` or `[id]`: a JSON-RPC id (a string, a number or null).
 * Throws INVALID_PARAMS otherwise, with the issues like a contract's params.
 */
export function cancelTarget(params: unknown): Id {
  const positional = Array.isArray(params);
  const named = !positional && typeof params === 'object' && params !== null;
  const id: unknown = positional ? params[0] : named ? (params as { id?: unknown }).id : undefined;
  const issues = [];
  if (positional && params.length > 1) issues.push({ code: 'too_big', path: [], message: 'Too many params: expected 1 (id)' });
  if (!(typeof id === 'string' || typeof id === 'number' || id === null) || (named && !Object.hasOwn(params, 'id'))) {
    issues.push({ code: 'invalid_type', path: positional ? [0] : ['id'], message: 'Expected the id of a request in flight: a string, a number or null' });
  }
  if (issues.length > 0) throw new WarrenError(ErrorCode.INVALID_PARAMS, 'Invalid params', { data: { issues } });
  return id as Id;
}

export class Builtins {
  readonly #subscriptions: SocketSubscriptions;
  readonly #publisher: Publisher;
  readonly #discovery: Discovery | undefined;
  readonly #log: Logger;

  constructor(subscriptions: SocketSubscriptions, publisher: Publisher, options: { discovery: Discovery | undefined; log: Logger }) {
    this.#subscriptions = subscriptions;
    this.#publisher = publisher;
    this.#discovery = options.discovery;
    this.#log = options.log;
  }

  /** Answers one `rpc.*` request; `id` undefined for a notification. */
  answer(request: Request, id: Id | undefined, done: Done): void {
    if ((request.method === 'rpc.ping' || (request.method === 'rpc.discover' && this.#discovery)) && Array.isArray(request.params) && request.params.length > 0) {
      return answerNow(done, id, TAKES_NO_PARAMS);
    }
    switch (request.method) {
      case 'rpc.subscribe':
        return this.#settle(this.#subscriptions.subscribe(request.params), id, done);
      case 'rpc.ping':
        // Lets clients that cannot see ws pings (browsers) check that the server still answers.
        return this.#settle(Promise.resolve('pong'), id, done);
      case 'rpc.unsubscribe':
        return this.#settle(this.#subscriptions.unsubscribe(request.params), id, done);
      case 'rpc.cancel':
        return this.#settle(
          new Promise((resolve) => resolve(this.#publisher.cancel(cancelTarget(request.params)))),
          id,
          done,
        );
      case 'rpc.discover':
        if (this.#discovery) return answerNow(done, id, this.#discovery.reply);
    }
    answerNow(done, id, methodNotFoundBody(request.method));
  }

  #settle(promise: Promise<unknown>, id: Id | undefined, done: Done): void {
    promise.then(
      (result) => done(id === undefined ? undefined : encodeResult(id, result)),
      (thrown: unknown) => answerNow(done, id, errorReply(thrown, (err) => this.#log.error({ err }, 'built-in method failed'))),
    );
  }
}
