/**
 * The error for a method queue that exists as another type than the worker declares it: a
 * classic queue and a worker set to quorum, or the other way round. RabbitMQ cannot change a
 * queue's type in place (it refuses the declaration with PRECONDITION_FAILED), so retrying
 * cannot help: the message names the queue, both types and the ways out, and `warren worker`
 * exits with it (EXIT_QUEUE_TYPE_MISMATCH) instead of waiting for a queue it will never consume.
 */
import { ErrorCode, WarrenError } from 'warren-client/protocol';

/** sysexits' EX_CONFIG: a supervisor can be told not to restart on it (systemd RestartPreventExitStatus=78). */
export const EXIT_QUEUE_TYPE_MISMATCH = 78;

/** What `data` holds on the error, so that callers can tell it from other errors. */
export interface QueueTypeMismatch {
  kind: 'queue-type-mismatch';
  queue: string;
  current: string;
  wanted: string;
}

export function queueTypeMismatch(queue: string, current: string, wanted: string): WarrenError {
  const data: QueueTypeMismatch = { kind: 'queue-type-mismatch', queue, current, wanted };
  return new WarrenError(
    ErrorCode.UNAVAILABLE,
    `queue ${queue} exists as a ${current} queue, and this worker declares it ${wanted}. ` +
      'RabbitMQ cannot change the type of a queue. To move it: stop the workers of this method, ' +
      `let the queue drain (rabbitmqctl list_queues name messages), delete it (rabbitmqctl delete_queue ${queue}), ` +
      `and start the workers as ${wanted}; the gateways answer UNAVAILABLE meanwhile. ` +
      `To keep it ${current}: declare it ${current} (queueType '${current}' on the method in the contract, or, ` +
      `for methods whose contract sets none, --queue-type ${current} or AmqpTransport's queueType)`,
    { data },
  );
}

export function isQueueTypeMismatch(err: unknown): err is WarrenError & { data: QueueTypeMismatch } {
  return err instanceof WarrenError && (err.data as Partial<QueueTypeMismatch> | undefined)?.kind === 'queue-type-mismatch';
}
