import { z } from 'zod';
import { defineContract } from 'warren';

const Room = z.string().regex(/^[a-z0-9-]{1,32}$/).describe('Room name: 1-32 lowercase letters, digits or dashes');
const User = z.string().min(1).max(32).describe('Display name of the sender');

export const ChatMessage = z
  .object({
    id: z.number().int().describe('Sequence number of the message within its room'),
    room: Room,
    user: User,
    text: z.string(),
    at: z.string().describe('ISO 8601 time the server accepted the message'),
  })
  .describe('A message posted to a room');

export const chat = defineContract({
  service: 'chat',
  description: 'Rooms where users post messages that every member sees live.',
  methods: {
    join: {
      description: 'Joins a room; subscribe to chat.message with the room as topic to see its messages.',
      input: z.object({ room: Room, user: User }),
      output: z.object({ room: Room, members: z.array(User) }),
    },
    send: {
      description: 'Posts a message to a room and pushes it to the room’s subscribers.',
      input: z.object({ room: Room, user: User, text: z.string().min(1).max(500).describe('Message text, 1-500 characters') }),
      output: ChatMessage,
    },
    history: {
      description: 'The latest messages of a room, oldest first.',
      input: z.object({ room: Room, limit: z.number().int().min(1).max(100).optional().describe('At most this many messages (default 50)') }),
      output: z.object({ messages: z.array(ChatMessage) }),
    },
  },
  events: {
    message: { description: 'A message was posted; the topic is the room.', payload: ChatMessage },
  },
  errors: {
    RoomFull: {
      code: 1001,
      message: 'Room is full',
      description: 'The room already holds its maximum number of members.',
      data: z.object({ room: Room, capacity: z.number().int() }),
    },
  },
});
