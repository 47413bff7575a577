import { ErrorCode, ErrorMessage, type WarrenErrorCodeNumber } from './codes.ts';

/** The `error` member of a JSON-RPC response. */
export interface ErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Warren's one error type. `code` is the JSON-RPC error code: one of `ErrorCode`
 * or an application code declared in a contract.
 */
export class WarrenError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message?: string, options: { data?: unknown; cause?: unknown } = {}) {
    super(message ?? ErrorMessage[code as WarrenErrorCodeNumber] ?? 'Error', { cause: options.cause });
    this.name = 'WarrenError';
    this.code = code;
    this.data = options.data;
  }

  /** The wire form, without stack or cause. */
  toJSON(): ErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static fromObject(error: ErrorObject): WarrenError {
    return new WarrenError(error.code, error.message, { data: error.data });
  }
}

/**
 * Turns anything thrown into a WarrenError that is safe to send: a WarrenError passes
 * through, everything else becomes INTERNAL_ERROR with no internal message.
 */
export function toWarrenError(thrown: unknown): WarrenError {
  if (thrown instanceof WarrenError) return thrown;
  return new WarrenError(ErrorCode.INTERNAL_ERROR, undefined, { cause: thrown });
}
