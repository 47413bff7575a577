/** The context a handler receives. */
import type { Context, Logger } from '../contract/implement.ts';
import type { Contract } from '../contract/defineContract.ts';
import type { Call } from '../protocol/call.ts';
import { DEFAULT_TOPIC, isValidTopic } from '../protocol/routing.ts';
import { WarrenError } from '../protocol/WarrenError.ts';
import type { Delivery, Transport } from '../transport/Transport.ts';

export interface ContextSource {
  contract: Contract;
  call: Call;
  delivery: Delivery;
  signal: AbortSignal;
  transport: Transport;
  log: Logger;
}

export function createContext({ contract, call, delivery, signal, transport, log }: ContextSource): Context {
  return {
    principal: call.principal,
    signal,
    deadline: call.deadline,
    redelivered: delivery.redelivered,
    method: call.method,
    log,
    async emit(event: string, payload: unknown, options: { topic?: string } = {}) {
      const spec = contract.events?.[event];
      if (!spec) throw new TypeError(`${contract.service}: no event named "${event}"`);
      const topic = options.topic ?? DEFAULT_TOPIC;
      if (!isValidTopic(topic)) throw new TypeError(`Invalid topic "${topic}": 1-200 UTF-8 bytes, no dots, *, # or whitespace`);
      const parsed = spec.payload.parse(payload);
      await transport.publishEvent({ event: `${contract.service}.${event}`, topic, payload: JSON.stringify(parsed) });
    },
    error(name: string, ...rest: unknown[]) {
      const spec = contract.errors?.[name];
      if (!spec) throw new TypeError(`${contract.service}: no error named "${name}"`);
      return new WarrenError(spec.code, spec.message, { data: rest[0] });
    },
  } as Context;
}
