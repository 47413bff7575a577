import { z } from 'zod';
import { defineContract } from 'warren';

const Room = z.string().regex(/^[a-z0-9-]{1,32}$/).describe('Room name: 1-32 lowercase letters, digits or dashes');
const User = z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/).describe('A user name: 1-32 letters, digits, dots, dashes or underscores');

export const ChatMessage = z
  .object({
    id: z.number().int().describe('Sequence number of the message within its room: 1, 2, 3, …'),
    room: Room,
    user: User.describe('Who sent it: the name in the sender’s token, never a field the client chose'),
    text: z.string(),
    at: z.string().describe('ISO 8601 time the server accepted the message'),
  })
  .describe('A message posted to a room');

export const MemberChange = z
  .object({
    room: Room,
    user: User,
    joined: z.boolean().describe('true: the user joined; false: the user left'),
    members: z.number().int().describe('Members of the room after the change'),
  })
  .describe('A user joined or left a room');

/**
 * The chat contract under a service name: `chat` for the example, another for a test that must
 * not share the example's queues on a shared RabbitMQ.
 */
export function defineChat(service: string) {
  return defineContract({
    service,
    description:
      'Rooms where signed-in users post messages that every member sees live. Every method but signIn needs a bearer token; the sender of a message is the token’s user.',
    methods: {
      signIn: {
        description:
          'Demo sign-in: a token for any name, with no password. On unless the server has a real signing key (WARREN_JWT_SECRET) without WARREN_CHAT_DEMO_SIGNIN=1.',
        input: z.object({ name: User }),
        output: z.object({
          token: z.string().describe('Bearer token: send it as `Authorization: Bearer <token>`, or as `?token=` on the WebSocket URL'),
          user: User,
          expiresAt: z.string().describe('ISO 8601 time the token expires'),
        }),
      },
      join: {
        description: 'Joins a room as the signed-in user; only then may you subscribe to its chat.message and chat.member events (topic: the room).',
        input: z.object({ room: Room }),
        output: z.object({ room: Room, user: User, members: z.array(User) }),
      },
      leave: {
        description: 'Leaves a room.',
        input: z.object({ room: Room }),
        output: z.object({ room: Room, members: z.number().int() }),
      },
      send: {
        description: 'Posts a message, as the signed-in user, to a room you joined, and pushes it to the room’s subscribers.',
        input: z.object({ room: Room, text: z.string().min(1).max(500).describe('Message text, 1-500 characters') }),
        output: ChatMessage,
        // One room's messages are stored and pushed in the order its senders' gateways took them.
        orderBy: (input) => input.room,
      },
      history: {
        description: 'The latest messages of a room you joined, oldest first.',
        input: z.object({ room: Room, limit: z.number().int().min(1).max(100).optional().describe('At most this many messages (default 50)') }),
        output: z.object({ messages: z.array(ChatMessage) }),
      },
    },
    events: {
      message: { description: 'A message was posted; the topic is the room.', payload: ChatMessage },
      member: { description: 'A user joined or left; the topic is the room.', payload: MemberChange },
    },
    errors: {
      RoomFull: {
        code: 1001,
        message: 'Room is full',
        description: 'The room already holds its maximum number of members.',
        data: z.object({ room: Room, capacity: z.number().int() }),
      },
      NotMember: {
        code: 1002,
        message: 'Not a member of the room',
        description: 'Join the room first.',
        data: z.object({ room: Room }),
      },
      SignInDisabled: {
        code: 1003,
        message: 'Demo sign-in is off',
        description: 'The server signs tokens with a real key and has demo sign-in turned off: get a token from its operator.',
      },
    },
  });
}

export const chat = defineChat('chat');
