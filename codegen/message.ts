/**
 * One message of the API model: a method's params or result, an event's payload or an error's
 * data, with its JSON Schema and its generated names. Its own module, because model.ts builds
 * messages with definitions.ts, which names the definitions of messages.
 */
import type { MessageKind } from './names.ts';
import type { JsonSchema } from './toJsonSchema.ts';

export interface Message {
  service: string;
  /** The method, event or error name. */
  name: string;
  kind: MessageKind;
  /** `chat.send`, `chat.message`; for an error `chat.RoomFull`. */
  wireName: string;
  /** TypeScript type name, also the schema's key in the documents' components. */
  typeName: string;
  /** Path of its JSON Schema file in the output. */
  file: string;
  io: 'input' | 'output';
  /** One line naming what the message is, e.g. "Params of `chat.send`." */
  summary: string;
  /** zod's JSON Schema, with `$schema` and any local `definitions`. */
  schema: JsonSchema;
  /** Local definition name → generated type name (see definitions.ts). */
  definitionNames: Map<string, string>;
}
