/**
 * A whole Warren stack in this process, for loopback tests: a fresh MemoryBroker, a
 * MemoryTransport on it, a Worker serving the testkit and the example services, and a
 * Gateway listening on a free port of 127.0.0.1.
 */
import { after, before } from 'node:test';
import type { Implementation } from '../../src/contract/implement.ts';
import { Gateway, type GatewayOptions } from '../../src/gateway/Gateway.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';
import { Worker, type WorkerOptions } from '../../src/worker/Worker.ts';
import { implementations as exampleImplementations } from '../../examples/chat/service.ts';
import { testkitImplementation } from './testkit.ts';

export interface StackOptions {
  /** Gateway options on top of the stack's transport and contracts. */
  gateway?: Partial<GatewayOptions>;
  /** Worker options on top of the stack's transport and implementations. */
  worker?: Partial<WorkerOptions>;
  /** Service name of the testkit contract. @default 'testkit' */
  service?: string;
  /** Only the in-process transport for now. @default 'memory' */
  transport?: 'memory';
  /** More implementations to serve (and whose contracts the gateway learns), e.g. a contract made inside a test. */
  implementations?: readonly Implementation[];
}

export interface Stack {
  /** `ws://127.0.0.1:<port>/rpc` */
  url: string;
  /** `http://127.0.0.1:<port>` */
  http: string;
  /** The testkit service name, the first word of its wire names. */
  service: string;
  gateway: Gateway;
  worker: Worker;
  transport: MemoryTransport;
  /** Closes gateway, worker and transport. Safe to call twice. */
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const service = options.service ?? 'testkit';
  const implementations = [testkitImplementation(service), ...exampleImplementations, ...(options.implementations ?? [])];
  const transport = new MemoryTransport({ broker: new MemoryBroker() });
  transport.start();
  const worker = new Worker({ ...options.worker, transport, implementations });
  await worker.start();
  const gateway = new Gateway({
    ...options.gateway,
    transport,
    contracts: implementations.map((implementation) => implementation.contract),
  });
  let address;
  try {
    address = await gateway.listen(0, '127.0.0.1');
  } catch (err) {
    await worker.stop();
    await transport.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    url: `ws://127.0.0.1:${address.port}/rpc`,
    http: `http://127.0.0.1:${address.port}`,
    service,
    gateway,
    worker,
    transport,
    close() {
      // Calls still in flight get a short grace: tests close on purpose, nothing waits for them.
      closing ??= (async () => {
        await gateway.close(200);
        await worker.stop();
        await transport.close();
      })();
      return closing;
    },
  };
}

/**
 * A stack for the describe block this is called in: started in its `before`, closed in its
 * `after`. The object stands for the stack from the start, so tests write `stack.url` as with
 * startStack; reading it before the stack started throws.
 */
export function stackForBlock(options: StackOptions = {}): Stack {
  let started: Stack | undefined;
  before(async () => {
    started = await startStack(options);
  });
  after(async () => {
    await started?.close();
  });
  // Every property is read from the started stack at the time it is read.
  return new Proxy({} as Stack, {
    get(_target, key) {
      if (!started) throw new Error('the stack starts in before()');
      return Reflect.get(started, key);
    },
  });
}
