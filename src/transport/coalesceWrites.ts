/**
 * One system call per turn of the event loop for everything written to an AMQP socket.
 *
 * amqplib's multiplexer hands the socket one frame at a time, and with Nagle's algorithm off
 * (as it must be: see AmqpConnection) every frame is a system call and a TCP segment of its
 * own: a served call is a reply plus an ack, a gateway's turn may publish dozens of calls.
 * Corking the socket at the first write of a turn and uncorking it on the next tick sends the
 * turn's frames in one writev, in order, without waiting on any timer. The socket of an amqplib
 * connection is reached through amqplibInternals.ts.
 */
import type { Writable } from 'node:stream';

const COALESCED = Symbol('warren.coalescedWrites');

type Coalescable = Writable & { [COALESCED]?: true };

/** Wraps `socket.write` so a turn's writes leave together. Idempotent. */
export function coalesceWrites(socket: Writable): void {
  const target = socket as Coalescable;
  if (target[COALESCED]) return;
  target[COALESCED] = true;
  const write = socket.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = function coalescedWrite(this: Writable, ...args: Parameters<Writable['write']>): boolean {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Writable['write'];
}

/** True once coalesceWrites() wrapped this socket. */
export function isCoalesced(socket: Writable): boolean {
  return (socket as Coalescable)[COALESCED] === true;
}
