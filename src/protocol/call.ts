/**
 * A call as it travels from gateway to worker, independent of the transport: its wire form
 * (Call), and what the publishing process knows of it beyond the wire (CallLocal).
 */

/** Who is calling. `null` is an anonymous caller. */
export interface Principal {
  id: string;
  [claim: string]: unknown;
}

/** The wire form of a call: what every transport carries, and all a worker elsewhere learns. */
export interface Call {
  /** Wire name, `<service>.<method>`. */
  method: string;
  /**
   * JSON text of the params. The gateway encodes it from the request it parsed: the client's
   * params (not the values its validation returned), `{}` or `[]` when the request had none.
   * A worker that gets it over a broker parses and validates it again.
   */
  params: string;
  /** Epoch milliseconds after which nobody waits for the answer. */
  deadline: number;
  principal: Principal | null;
  /**
   * W3C trace context of the gateway's span of this call (docs/tracing.md), absent when the
   * call is not traced; the AMQP mapping carries both as headers `traceparent` and `tracestate`.
   */
  traceparent?: string;
  tracestate?: string;
}

/** The params as the gateway's validation returned them, and the schema that checked them. */
export interface Validated {
  schema: unknown;
  value: unknown;
}

/**
 * What the gateway knows of a call beyond its wire form, handed to the transport beside the
 * call and never serialized. The validated params reach a worker only over the memory
 * transport (Delivery.validated), where a worker whose method has this very schema takes the
 * value instead of parsing and validating the text again.
 */
export interface CallLocal extends Validated {
  /**
   * The method's queue has a length limit (`maxQueueLength`), so the broker may refuse the
   * call; only a publisher confirm says so (AmqpTransport publishes every call with one).
   */
  bounded: boolean;
  /**
   * The method is idempotent (its contract says so): the transport may publish the call again
   * when it cannot tell whether the broker took it, or when its reply can no longer come.
   */
  idempotent?: boolean;
  /**
   * The call's order key (the contract's `orderBy` of the validated params): calls with the same
   * key run one after another, in the order they were published. Absent: no order.
   */
  orderKey?: string;
}

/**
 * A worker's answer: the JSON text `{"result":…}` or `{"error":…}`.
 * Kept as text so the gateway can forward it without parsing it again.
 */
export type ReplyBody = string;
