/** The transport conformance suite against the in-process MemoryTransport. */
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { defineTransportConformance } from './transportConformance.ts';

defineTransportConformance('memory', async () => {
  const broker = new MemoryBroker();
  return {
    make: () => new MemoryTransport({ broker }),
    cleanup: async () => {},
  };
});
