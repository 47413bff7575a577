/** How generated names are spelled: TypeScript type names and schema file names. */

/** The four kinds of message a contract declares. */
export type MessageKind = 'input' | 'output' | 'payload' | 'data';

/** `room_full` → `RoomFull`, `chat` → `Chat`. Contract names are already `[A-Za-z][A-Za-z0-9_]*`. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

const KIND_SUFFIX: Record<MessageKind, string> = { input: 'Input', output: 'Output', payload: 'Payload', data: 'Data' };

/** `chat`, `send`, `input` → `ChatSendInput`; `chat`, `RoomFull`, `data` → `ChatRoomFullData`. */
export function messageTypeName(service: string, name: string, kind: MessageKind): string {
  return `${pascal(service)}${pascal(name)}${KIND_SUFFIX[kind]}`;
}

/**
 * The SDK type of one shape of a method that takes params either way: `MathSubtractInput`,
 * `by-position` → `MathSubtractInputByPosition`; `by-name` → `MathSubtractInputByName`.
 */
export function paramsShapeTypeName(inputTypeName: string, shape: 'by-position' | 'by-name'): string {
  return `${inputTypeName}${shape === 'by-position' ? 'ByPosition' : 'ByName'}`;
}

/** `chat.send.input.json`, under the output's `schemas/` folder. */
export function schemaFileName(service: string, name: string, kind: MessageKind): string {
  return `schemas/${service}.${name}.${kind}.json`;
}

/** `chat` → `ChatApi`. */
export function serviceApiName(service: string): string {
  return `${pascal(service)}Api`;
}

/** `chat` → `ChatEvents`. */
export function serviceEventsName(service: string): string {
  return `${pascal(service)}Events`;
}

/** `chat`, `RoomFull` → `isChatRoomFull`. */
export function errorGuardName(service: string, error: string): string {
  return `is${pascal(service)}${pascal(error)}`;
}

/** `chat`, `RoomFull` → `ChatRoomFull`: the error's key in the OpenRPC and AsyncAPI components. */
export function errorComponentName(service: string, error: string): string {
  return `${pascal(service)}${pascal(error)}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript source: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}
