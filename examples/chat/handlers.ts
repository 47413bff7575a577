/** Handlers of the example chat service. State lives in this worker process. */
import { implement } from 'warren';
import { chat } from '../../schemas/chat.ts';

const CAPACITY = 50;
const KEEP = 100;

interface Room {
  members: Set<string>;
  messages: { id: number; room: string; user: string; text: string; at: string }[];
  next: number;
}

const rooms = new Map<string, Room>();

function room(name: string): Room {
  let found = rooms.get(name);
  if (!found) {
    found = { members: new Set(), messages: [], next: 1 };
    rooms.set(name, found);
  }
  return found;
}

export const chatService = implement(chat, {
  join({ room: name, user }, ctx) {
    const r = room(name);
    if (!r.members.has(user) && r.members.size >= CAPACITY) throw ctx.error('RoomFull', { room: name, capacity: CAPACITY });
    r.members.add(user);
    return { room: name, members: [...r.members] };
  },
  async send({ room: name, user, text }, ctx) {
    const r = room(name);
    const message = { id: r.next++, room: name, user, text, at: new Date().toISOString() };
    r.messages.push(message);
    if (r.messages.length > KEEP) r.messages.shift();
    await ctx.emit('message', message, { topic: name });
    return message;
  },
  history({ room: name, limit }) {
    return { messages: room(name).messages.slice(-(limit ?? 50)) };
  },
});
