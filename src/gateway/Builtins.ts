/**
 * The `rpc.*` methods the gateway answers itself, for one connection: `rpc.ping`,
 * `rpc.subscribe` and `rpc.unsubscribe` always, `rpc.discover` when the gateway serves its
 * discovery document. Any other `rpc.*` method is METHOD_NOT_FOUND.
 */
import { encodeResult, errorBody, ErrorCode, WarrenError, type Id, type Request } from 'warren-client/protocol';
import type { Logger } from '../contract/implement.ts';
import { errorReply, methodNotFoundBody } from '../protocol/errors.ts';
import { answerNow, type Done } from './Answer.ts';
import type { Discovery } from './discovery.ts';
import type { SocketSubscriptions } from './SocketSubscriptions.ts';

/** `rpc.ping` and `rpc.discover` take no params: positional ones are too many. */
const TAKES_NO_PARAMS = errorBody(
  new WarrenError(ErrorCode.INVALID_PARAMS, 'Invalid params', {
    data: { issues: [{ code: 'too_big', path: [], message: 'Too many params: expected none' }] },
  }).toJSON(),
);

export class Builtins {
  readonly #subscriptions: SocketSubscriptions;
  readonly #discovery: Discovery | undefined;
  readonly #log: Logger;

  constructor(subscriptions: SocketSubscriptions, discovery: Discovery | undefined, log: Logger) {
    this.#subscriptions = subscriptions;
    this.#discovery = discovery;
    this.#log = log;
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
