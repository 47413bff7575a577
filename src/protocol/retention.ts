/**
 * How long, and how much, of a replayable event's history is kept. The forms are RabbitMQ's
 * stream arguments (`x-max-age`, `x-max-length-bytes`), so the AMQP transport passes them on
 * as they are, and the memory transport applies the same limits to its in-process log.
 */

export interface Retention {
  /**
   * Oldest event kept, in RabbitMQ's `x-max-age` form: a positive integer and one unit, `Y`
   * (365 days), `M` (30 days), `D`, `h`, `m` or `s`: `'1h'`, `'7D'`.
   */
  maxAge?: string;
  /** Most bytes of history kept, a positive safe integer (RabbitMQ's `x-max-length-bytes`). */
  maxBytes?: number;
}

/** RabbitMQ's default size of a stream segment. */
const SEGMENT_BYTES = 500_000_000;
/**
 * The smallest segment Warren asks for. Measured on RabbitMQ 3.10.8: 10-byte segments crashed
 * the node's stream application (osiris) for every stream; 1 MB segments work.
 */
export const MIN_SEGMENT_BYTES = 1_000_000;

/**
 * The queue arguments of a replayable event's stream. RabbitMQ applies a stream's retention a
 * whole segment at a time, when a segment fills, and always keeps the segment being written:
 * with `maxBytes` the segments are made a quarter of it, between 1 MB and RabbitMQ's default of
 * 500 MB, so the history kept stays between three quarters of `maxBytes` and `maxBytes` (for
 * `maxBytes` of 4 MB and more; below, at least the last 1 MB segment stays).
 */
export function streamArguments(retention: Retention): Record<string, string | number> {
  const { maxAge, maxBytes } = retention;
  return {
    'x-queue-type': 'stream',
    ...(maxAge === undefined ? {} : { 'x-max-age': maxAge }),
    ...(maxBytes === undefined ? {} : { 'x-max-length-bytes': maxBytes, 'x-stream-max-segment-size-bytes': Math.max(MIN_SEGMENT_BYTES, Math.min(SEGMENT_BYTES, Math.floor(maxBytes / 4))) }),
  };
}

