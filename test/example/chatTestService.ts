/**
 * The example chat as a service module for process tests: the example's handlers, store and
 * access hooks under a service name of the test's (WARREN_CHAT_TEST_SERVICE), so a run on the
 * shared RabbitMQ never meets the example's own `chat.*` queues. State is in DATABASE_URL.
 *
 * WARREN_CHAT_TEST_PAUSE_MS: a send whose text starts with `slow:` logs `send stored` (with its
 * callId and id) once its message is in the database, then waits this long before its event is
 * queued and its answer returned: the window in which a fault test kills the worker mid-call.
 * WARREN_CHAT_TEST_LOG_SENDS=1: every stored send logs `send ran`, so a test sees which worker ran it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineChat } from '../../schemas/chat.ts';
import { chatAccess } from '../../examples/chat/access.ts';
import { Tokens } from '../../examples/chat/auth.ts';
import { chatHandlers } from '../../examples/chat/handlers.ts';
import { openChatStore } from '../../examples/chat/store/openChatStore.ts';

export const CHAT_TEST_SERVICE_ENV = 'WARREN_CHAT_TEST_SERVICE';
export const CHAT_TEST_PAUSE_ENV = 'WARREN_CHAT_TEST_PAUSE_MS';
/** With `1`, every stored send logs `send ran` (its room, id and the worker's pid). */
export const CHAT_TEST_LOG_SENDS_ENV = 'WARREN_CHAT_TEST_LOG_SENDS';

const service = process.env[CHAT_TEST_SERVICE_ENV] ?? 'chattest';
const pauseMs = Number(process.env[CHAT_TEST_PAUSE_ENV] ?? 0);
const logSends = process.env[CHAT_TEST_LOG_SENDS_ENV] === '1';
const contract = defineChat(service);
const tokens = new Tokens();
const store = openChatStore();

export const contracts = [contract];
export const implementations = [
  chatHandlers({
    contract,
    store,
    tokens,
    async afterStore(message, ctx) {
      if (logSends) ctx.log.info({ room: message.room, id: message.id, pid: process.pid }, 'send ran');
      if (pauseMs <= 0 || !message.text.startsWith('slow:')) return;
      ctx.log.info({ callId: ctx.callId, id: message.id, redelivered: ctx.redelivered, pid: process.pid }, 'send stored');
      await sleep(pauseMs);
    },
  }),
];
export const { authenticate, authorize, authorizeSubscribe } = chatAccess({ service, tokens, store });
