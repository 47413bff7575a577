/**
 * Type-level tests of the generated SDK (generated/client.ts). Compiled, never run, by
 * test/codegen/types.test.ts: every `@ts-expect-error` line must be a compile error, and every
 * `expectType<Equal<…>>` must hold exactly.
 */
import type {
  Api,
  ChatHistoryOutput,
  ChatJoinOutput,
  ChatMessagePayload,
  ChatRoomFullData,
  ChatSendInput,
  ChatSendOutput,
  MathAddInput,
  MathAddOutput,
  MathDivideOutput,
  MathSubtractInput,
  MathSubtractInputByName,
  MathSubtractInputByPosition,
  MathSumInput,
  Methods,
  StateChange,
  ConnectionState,
  Unsubscribe,
} from '../../generated/client.ts';
import { connect, createApi, isChatRoomFull, isMathDivisionByZero, WarrenClient, WarrenError } from '../../generated/client.ts';

/** True only when A and B are the same type (not merely mutually assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
declare function expectType<T extends true>(): void;

declare const api: Api;
const input: ChatSendInput = { room: 'lobby', text: 'hi' };

// Outputs are inferred exactly.
expectType<Equal<ReturnType<Api['chat']['send']>, Promise<ChatSendOutput>>>();
expectType<Equal<ReturnType<Api['chat']['join']>, Promise<ChatJoinOutput>>>();
expectType<Equal<ReturnType<Api['chat']['history']>, Promise<ChatHistoryOutput>>>();
expectType<Equal<ReturnType<Api['math']['add']>, Promise<number>>>();
expectType<Equal<MathAddOutput, number>>();
expectType<Equal<MathAddInput, [number, number]>>();
expectType<Equal<MathSubtractInputByPosition, [number, number]>>();
expectType<Equal<MathSubtractInputByName, { minuend: number; subtrahend: number }>>();
expectType<Equal<MathSubtractInput, MathSubtractInputByPosition | MathSubtractInputByName>>();
expectType<Equal<ReturnType<Api['math']['subtract']>, Promise<number>>>();
expectType<Equal<MathSumInput, number[]>>();
expectType<Equal<Methods['math.subtract'], { input: MathSubtractInput; output: number }>>();
expectType<Equal<ChatSendOutput, { id: number; room: string; user: string; text: string; at: string }>>();
expectType<Equal<ChatHistoryOutput['messages'][number], ChatSendOutput>>();
expectType<Equal<MathDivideOutput, { quotient: number }>>();
expectType<Equal<Methods['chat.send'], { input: ChatSendInput; output: ChatSendOutput }>>();
expectType<Equal<ReturnType<Api['chat']['notify']['send']>, Promise<void>>>();
expectType<Equal<ReturnType<Api['chat']['on']>, Promise<Unsubscribe>>>();
expectType<Equal<Parameters<Api['chat']['history']>[0], { room: string; limit?: number }>>();

async function calls(): Promise<void> {
  const sent = await api.chat.send(input, { timeoutMs: 1000, signal: new AbortController().signal });
  expectType<Equal<typeof sent, ChatSendOutput>>();
  const sum = await api.math.add([1, 2]);
  expectType<Equal<typeof sum, number>>();
  await api.chat.history({ room: 'lobby' });
  await api.chat.notify.send(input);

  // Params either way: one overload by position, one by name.
  const difference = await api.math.subtract([42, 23]);
  expectType<Equal<typeof difference, number>>();
  await api.math.subtract({ minuend: 42, subtrahend: 23 });
  await api.math.notify.subtract([1, 2]);
  await api.math.notify.subtract({ minuend: 1, subtrahend: 2 });
  // Variadic: any count of numbers, none included.
  await api.math.sum([]);
  await api.math.sum([1, 2, 3, 4, 5]);

  // @ts-expect-error a positional call with the wrong length
  await api.math.subtract([42]);
  // @ts-expect-error a named call missing `subtrahend`
  await api.math.subtract({ minuend: 42 });
  // @ts-expect-error the two shapes do not mix
  await api.math.subtract({ 0: 42, 1: 23 });
  // @ts-expect-error a string among the numbers of a variadic call
  await api.math.sum([1, '2']);
  // @ts-expect-error named params for a positional-only method
  await api.math.sum({ values: [1] });

  // @ts-expect-error missing field `text`
  await api.chat.send({ room: 'lobby' });
  // @ts-expect-error `text` has the wrong type
  await api.chat.send({ room: 'lobby', text: 42 });
  // @ts-expect-error tuple too long
  await api.math.add([1, 2, 3]);
  // @ts-expect-error tuple too short
  await api.math.add([1]);
  // @ts-expect-error tuple element of the wrong type
  await api.math.add(['1', 2]);
  // @ts-expect-error named params where the method takes positional ones
  await api.math.add({ a: 1, b: 2 });
  // @ts-expect-error no such method
  await api.chat.shout(input);
  // @ts-expect-error wrong call option
  await api.chat.send(input, { timeoutMs: 'soon' });
  // @ts-expect-error notification with a wrong input
  await api.chat.notify.send({ room: 'lobby' });
}

async function events(): Promise<void> {
  const unsubscribe = await api.chat.on('message', { topic: 'lobby' }, (payload, topic) => {
    expectType<Equal<typeof payload, ChatMessagePayload>>();
    expectType<Equal<typeof topic, string>>();
  });
  expectType<Equal<typeof unsubscribe, () => Promise<void>>>();
  await api.chat.on('message', {}, (payload: { text: string }) => void payload.text);

  // @ts-expect-error wrong event name
  await api.chat.on('messages', { topic: 'lobby' }, () => {});
  // @ts-expect-error handler expects a payload the event does not carry
  await api.chat.on('message', { topic: 'lobby' }, (payload: { nope: number }) => void payload);
  // @ts-expect-error topic must be a string
  await api.chat.on('message', { topic: 7 }, () => {});
  // @ts-expect-error the math service declares no events
  await api.math.on('message', {}, () => {});
}

function errors(err: unknown): void {
  if (isChatRoomFull(err)) {
    expectType<Equal<typeof err.data, ChatRoomFullData>>();
    expectType<Equal<typeof err.code, 1001>>();
    expectType<Equal<typeof err.data.capacity, number>>();
  }
  if (isMathDivisionByZero(err)) {
    expectType<Equal<typeof err.code, 2001>>();
  }
  const plain = err as WarrenError;
  // @ts-expect-error without a guard, data is unknown
  void plain.data.capacity;
}

function construction(client: WarrenClient): void {
  const typed: Api = createApi(client);
  const connected = connect({ url: 'ws://localhost:3000/rpc' });
  expectType<Equal<typeof connected.$client, WarrenClient>>();
  void typed;
}

/** Client resilience: reconnect options, connection states, per-call idempotency. */
async function resilience(): Promise<void> {
  const connected = connect({
    url: 'ws://localhost:3000/rpc',
    reconnect: { initialDelayMs: 100, maxDelayMs: 5000, factor: 2, maxAttempts: Infinity },
    heartbeatMs: 10_000,
  });
  connect({ url: 'ws://localhost:3000/rpc', reconnect: false });
  const stop = connected.$client.onState((change) => {
    expectType<Equal<typeof change, StateChange>>();
    expectType<Equal<typeof change.state, 'connecting' | 'open' | 'reconnecting' | 'closed'>>();
  });
  expectType<Equal<typeof stop, () => void>>();
  expectType<Equal<typeof connected.$client.state, ConnectionState>>();
  await api.chat.history({ room: 'lobby' }, { idempotent: true });

  // @ts-expect-error not a state
  const wrong: ConnectionState = 'reconnected';
  // @ts-expect-error reconnect takes a boolean or options, not a number
  connect({ url: 'ws://localhost:3000/rpc', reconnect: 3 });
  // @ts-expect-error idempotent is a boolean
  await api.chat.send(input, { idempotent: 'yes' });
  void wrong;
}

export { calls, construction, errors, events, resilience };
