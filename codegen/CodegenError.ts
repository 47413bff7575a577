/**
 * The one error codegen throws: it names the contract, the message and, where there is one,
 * the field path, so the author can find the culprit without reading a stack trace.
 */
export interface CodegenErrorLocation {
  /** Service name of the contract, e.g. `chat`. */
  service?: string;
  /** The message, e.g. `chat.send input` or `chat.RoomFull data`. */
  message?: string;
  /** Field path inside the message, e.g. `at.when` or `items[1]`; empty for the root. */
  path?: string;
}

export class CodegenError extends Error {
  readonly service: string | undefined;
  readonly messageName: string | undefined;
  readonly path: string | undefined;

  constructor(reason: string, where: CodegenErrorLocation = {}) {
    const field = where.path === undefined ? '' : where.path === '' ? ' (at the root)' : ` at field "${where.path}"`;
    const prefix = where.message ? `${where.message}${field}: ` : '';
    super(`warren codegen: ${prefix}${reason}`);
    this.name = 'CodegenError';
    this.service = where.service;
    this.messageName = where.message;
    this.path = where.path;
  }
}
