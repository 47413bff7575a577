/** A call as it travels from gateway to worker, independent of the transport. */

/** Who is calling. `null` is an anonymous caller. */
export interface Principal {
  id: string;
  [claim: string]: unknown;
}

export interface Call {
  /** Wire name, `<service>.<method>`. */
  method: string;
  /** JSON text of the params, as the client sent them (already validated by the gateway). */
  params: string;
  /** Epoch milliseconds after which nobody waits for the answer. */
  deadline: number;
  principal: Principal | null;
  /**
   * The method's queue has a length limit (`maxQueueLength`), so the broker may refuse the
   * call; only a publisher confirm says so. Calls to unbounded queues are published without.
   */
  bounded?: boolean;
  /** W3C trace context, passed through when the client sent one. */
  traceparent?: string;
  /**
   * The params as the gateway's validation returned them, and the schema that checked them.
   * In process only: it is never serialized, so it reaches a worker only over the memory
   * transport, where a worker whose method has this very schema takes the value instead of
   * parsing and validating the text again.
   */
  validated?: { schema: unknown; value: unknown };
}

/**
 * A worker's answer: the JSON text `{"result":…}` or `{"error":…}`.
 * Kept as text so the gateway can forward it without parsing it again.
 */
export type ReplyBody = string;
