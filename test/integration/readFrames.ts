/** Reads frames from a FrameSocket under one overall deadline, whatever order they come in. */
import type { FrameSocket } from '../helpers/FrameSocket.ts';

/** The next `count` frames, parsed; rejects if they have not all arrived within `timeoutMs`. */
export async function readFrames(socket: FrameSocket, count: number, timeoutMs: number): Promise<any[]> {
  const until = Date.now() + timeoutMs;
  const frames: any[] = [];
  while (frames.length < count) {
    const left = until - Date.now();
    if (left <= 0) throw new Error(`got ${frames.length} of ${count} frames within ${timeoutMs} ms`);
    try {
      frames.push(await socket.next(left));
    } catch {
      throw new Error(`got ${frames.length} of ${count} frames within ${timeoutMs} ms`);
    }
  }
  return frames;
}
