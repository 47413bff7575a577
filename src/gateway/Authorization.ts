/**
 * The `authorize` hook (GatewayOptions.authorize) for one connection's calls. It runs after
 * the roles check and params validation, before the call is published. While an async verdict
 * is pending the call counts in flight, so the shutdown answers it and a closed socket drops
 * it. Only `true` publishes the call; any other verdict answers it UNAUTHORIZED; what the hook
 * throws is answered as errorOf turns it.
 */
import type { MethodEntry } from '../contract/registry.ts';
import type { Logger } from '../contract/implement.ts';
import type { Call, CallLocal, Principal, ReplyBody } from '../protocol/call.ts';
import { errorReply, UNAUTHORIZED_BODY } from '../protocol/errors.ts';
import type { Answer } from './Answer.ts';
import type { GatewayOptions } from './GatewayOptions.ts';
import type { Publisher } from './Publisher.ts';

type Hook = NonNullable<GatewayOptions['authorize']>;

export class Authorization {
  readonly #hook: Hook;
  readonly #principal: Principal | null;
  readonly #publisher: Publisher;
  readonly #log: Logger;

  constructor(hook: Hook, principal: Principal | null, publisher: Publisher, log: Logger) {
    this.#hook = hook;
    this.#principal = principal;
    this.#publisher = publisher;
    this.#log = log;
  }

  /** Publishes the call once the hook allows it; answers it otherwise. */
  judge(method: MethodEntry, params: unknown, call: Call, local: CallLocal, answer: Answer): void {
    let verdict: boolean | Promise<boolean>;
    try {
      verdict = this.#hook(this.#principal, { wireName: method.wireName, spec: method.spec, params });
    } catch (thrown) {
      return answer.reply(this.#failure(method, thrown));
    }
    if (typeof (verdict as Partial<PromiseLike<boolean>> | null)?.then !== 'function') return this.#decide(verdict, call, local, answer);
    answer.wait();
    Promise.resolve(verdict).then(
      (value) => {
        if (answer.resume()) this.#decide(value, call, local, answer);
      },
      (thrown: unknown) => {
        if (answer.resume()) answer.reply(this.#failure(method, thrown));
      },
    );
  }

  #decide(verdict: unknown, call: Call, local: CallLocal, answer: Answer): void {
    if (verdict !== true) return answer.reply(UNAUTHORIZED_BODY);
    this.#publisher.publish(call, local, answer);
  }

  #failure(method: MethodEntry, thrown: unknown): ReplyBody {
    return errorReply(thrown, (err) => this.#log.error({ err, method: method.wireName }, 'authorize hook failed'));
  }
}
