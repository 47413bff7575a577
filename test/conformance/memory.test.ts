/** The transport conformance suite against the in-process MemoryTransport. */
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { defineTransportConformance } from './transportConformance.ts';

defineTransportConformance('memory', async () => {
  const broker = new MemoryBroker();
  return {
    make: () => new MemoryTransport({ broker }),
    takeDeadLetters: async (method) =>
      broker.deadLetters
        .filter((dead) => dead.call.method === method)
        .map((dead) => ({ params: dead.call.params, attempts: dead.attempts, reason: dead.reason })),
    cleanup: async () => {},
  };
});
