/**
 * A strict check of what a JSON-RPC 2.0 server may send: a response, a non-empty array of
 * responses (a batch answer), or a notification (a subscription push). Written apart from
 * src/protocol so the gateway is not judged by its own code.
 */

export type Checked =
  | { ok: true; responses: Response[]; notifications: number }
  | { ok: false; problem: string };

export interface Response {
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

function isId(value: unknown): value is string | number | null {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function checkResponse(value: unknown): string | Response {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'a response must be an object';
  const raw = value as Record<string, unknown>;
  if (Object.getPrototypeOf(raw) !== Object.prototype) return 'a response parsed to an object with a foreign prototype';
  if (raw.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if (!Object.hasOwn(raw, 'id') || !isId(raw.id)) return 'a response needs an id that is a string, a finite number or null';
  const hasResult = Object.hasOwn(raw, 'result');
  const hasError = Object.hasOwn(raw, 'error');
  if (hasResult === hasError) return 'a response has exactly one of result and error';
  const extra = Object.keys(raw).filter((key) => !['jsonrpc', 'id', 'result', 'error'].includes(key));
  if (extra.length > 0) return `unexpected members ${extra.join(', ')}`;
  if (hasError) {
    const error = raw.error as Record<string, unknown> | null;
    if (error === null || typeof error !== 'object' || Array.isArray(error)) return 'error must be an object';
    if (!Number.isInteger(error.code)) return 'error.code must be an integer';
    if (typeof error.message !== 'string') return 'error.message must be a string';
    const extraError = Object.keys(error).filter((key) => !['code', 'message', 'data'].includes(key));
    if (extraError.length > 0) return `unexpected error members ${extraError.join(', ')}`;
  }
  return raw as unknown as Response;
}

function isNotification(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const raw = value as Record<string, unknown>;
  return raw.jsonrpc === '2.0' && typeof raw.method === 'string' && !Object.hasOwn(raw, 'id');
}

/** Checks one text frame the server sent. */
export function checkServerFrame(text: string): Checked {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (isNotification(value)) return { ok: true, responses: [], notifications: 1 };
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length === 0) return { ok: false, problem: 'an empty array is never a valid answer' };
  const responses: Response[] = [];
  for (const item of items) {
    const checked = checkResponse(item);
    if (typeof checked === 'string') return { ok: false, problem: checked };
    responses.push(checked);
  }
  return { ok: true, responses, notifications: 0 };
}
