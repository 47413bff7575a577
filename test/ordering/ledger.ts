import { FrameSocket } from '../helpers/FrameSocket.ts';
import { readFrames } from '../integration/readFrames.ts';

/** One answer of sendPipelined: the frame the gateway sent back for call `frame.id` of `sender`. */
export interface PipelinedAnswer {
  sender: number;
  frame: any;
}

/**
 * Sends `calls` calls from each of `senders` sockets, pipelined (none waits for a reply), the
 * n-th of each over key `key-${n % keys}`, and returns every frame that came back, once
 * `calls` frames arrived on each socket and then `quietMs` passed with no more (a second answer
 * to a call would show there). With `pace`, each socket sends `pace.calls` calls every
 * `pace.ms` instead of all at once: a burst of thousands fills the gateway's AMQP write buffer,
 * which answers OVERLOADED until it drains (docs/delivery.md), and that is not what a test of
 * order is after.
 */
export async function sendPipelinedFrames(
  url: string,
  method: string,
  options: { senders: number; calls: number; keys: number; timeoutMs: number; quietMs?: number; pace?: { calls: number; ms: number } },
): Promise<PipelinedAnswer[]> {
  const sockets = await Promise.all(Array.from({ length: options.senders }, () => FrameSocket.open(url, { handshakeTimeout: 5000 })));
  try {
    const answers = await Promise.all(
      sockets.map(async (socket, sender) => {
        // Read while sending: frames are queued by the socket as they come.
        const reading = readFrames(socket, options.calls, options.timeoutMs);
        reading.catch(() => {});
        for (let n = 0; n < options.calls; n++) {
          if (options.pace && n > 0 && n % options.pace.calls === 0) await new Promise((resolve) => setTimeout(resolve, options.pace!.ms));
          socket.send({ jsonrpc: '2.0', id: n, method, params: { key: `key-${n % options.keys}`, sender, n } });
        }
        const frames = await reading;
        if (options.quietMs) {
          for (;;) {
            const extra = await socket.next(options.quietMs).catch(() => undefined);
            if (extra === undefined) break;
            frames.push(extra);
          }
        }
        return frames.map((frame) => ({ sender, frame }));
      }),
    );
    return answers.flat();
  } finally {
    for (const socket of sockets) socket.close();
  }
}

/** sendPipelinedFrames, where every call must answer a result: what each run reported. */
export async function sendPipelined(url: string, method: string, options: { senders: number; calls: number; keys: number; timeoutMs: number }): Promise<OrderedRun[]> {
  const answers = await sendPipelinedFrames(url, method, options);
  return answers.map(({ sender, frame }) => {
    if (!frame.result) throw new Error(`call ${frame.id} of sender ${sender} failed: ${JSON.stringify(frame.error)}`);
    const n = frame.id as number;
    return { key: `key-${n % options.keys}`, sender, n, ...(frame.result as { pid: number; startedAt: number; endedAt: number }) };
  });
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
