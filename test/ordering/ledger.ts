import { FrameSocket } from '../helpers/FrameSocket.ts';
import { readFrames } from '../integration/readFrames.ts';

/**
 * Sends `calls` calls from each of `senders` sockets, pipelined (none waits for a reply), the
 * n-th of each over key `key-${n % keys}`, and returns what every call answered.
 */
export async function sendPipelined(url: string, method: string, options: { senders: number; calls: number; keys: number; timeoutMs: number }): Promise<OrderedRun[]> {
  const sockets = await Promise.all(Array.from({ length: options.senders }, () => FrameSocket.open(url, { handshakeTimeout: 5000 })));
  try {
    const answers = await Promise.all(
      sockets.map((socket, sender) => {
        for (let n = 0; n < options.calls; n++) {
          socket.send({ jsonrpc: '2.0', id: n, method, params: { key: `key-${n % options.keys}`, sender, n } });
        }
        return readFrames(socket, options.calls, options.timeoutMs).then((frames) => frames.map((frame) => ({ sender, frame })));
      }),
    );
    return answers.flat().map(({ sender, frame }) => {
      if (!frame.result) throw new Error(`call ${frame.id} of sender ${sender} failed: ${JSON.stringify(frame.error)}`);
      const n = frame.id as number;
      return { key: `key-${n % options.keys}`, sender, n, ...(frame.result as { pid: number; startedAt: number; endedAt: number }) };
    });
  } finally {
    for (const socket of sockets) socket.close();
  }
}

/**
 * Checks the answers of ordered calls: within each key, sorted by when they started, no call
 * starts before the previous one ended, and each sender's calls ran in the order it sent them.
 */

export interface OrderedRun {
  key: string;
  sender: number;
  n: number;
  pid: number;
  startedAt: number;
  endedAt: number;
}

export interface OrderReport {
  /** A call of a key that started before the previous call of that key ended. */
  overlaps: number;
  /** A call that ran before a call its sender sent earlier with the same key. */
  outOfOrder: number;
  /** Calls run, by worker pid. */
  split: Map<number, number>;
}

export function checkOrder(runs: readonly OrderedRun[]): OrderReport {
  const byKey = new Map<string, OrderedRun[]>();
  const split = new Map<number, number>();
  for (const run of runs) {
    let list = byKey.get(run.key);
    if (!list) byKey.set(run.key, (list = []));
    list.push(run);
    split.set(run.pid, (split.get(run.pid) ?? 0) + 1);
  }
  let overlaps = 0;
  let outOfOrder = 0;
  for (const list of byKey.values()) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    const last = new Map<number, number>();
    for (let i = 0; i < list.length; i++) {
      const run = list[i]!;
      if (i > 0 && run.startedAt < list[i - 1]!.endedAt) overlaps++;
      if ((last.get(run.sender) ?? -1) >= run.n) outOfOrder++;
      last.set(run.sender, run.n);
    }
  }
  return { overlaps, outOfOrder, split };
}
