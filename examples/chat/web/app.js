// The chat page's script: the generated SDK (bundled by Warren at /sdk.js) over the
// browser's own WebSocket. No framework, no build step.
import { connect, isChatRoomFull } from './sdk.js';

const INVALID_PARAMS = -32602;
const CONNECTION_LOST = -32004;

const $ = (id) => document.getElementById(id);
const url = new URL('rpc', location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';

const api = connect({ url: url.href });
/** The room joined, its subscription, and the message ids shown (a message arrives both as the reply to send and as an event). */
let current = null;

api.$client.ready().then(
  () => {
    setStatus('open', 'Connected');
    $('join-button').disabled = false;
  },
  () => setStatus('closed', 'Cannot connect to the server'),
);

$('join').addEventListener('submit', async (event) => {
  event.preventDefault();
  const user = $('user').value.trim();
  const room = $('room').value.trim();
  await run(async () => {
    const joined = await api.chat.join({ room, user });
    await current?.unsubscribe();
    current = { room, user, shown: new Set(), unsubscribe: undefined };
    const session = current;
    $('messages').replaceChildren();
    session.unsubscribe = await api.chat.on('message', { topic: room }, (message) => {
      if (session === current) show(message);
    });
    for (const message of (await api.chat.history({ room })).messages) show(message);
    $('room-name').textContent = joined.room;
    $('members').textContent = `as ${user} · ${joined.members.length} member${joined.members.length === 1 ? '' : 's'}`;
    $('chat').hidden = false;
    $('chat').dataset.joined = room;
    $('text').focus();
  });
});

$('send').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!current) return;
  const { room, user } = current;
  await run(async () => {
    show(await api.chat.send({ room, user, text: $('text').value }));
    $('text').value = '';
  });
});

$('text').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('send').requestSubmit();
  }
});

/** Runs one user action, showing its error, if any, instead of throwing it. */
async function run(action) {
  const error = $('error');
  try {
    await action();
    error.hidden = true;
    error.textContent = '';
    delete error.dataset.code;
  } catch (err) {
    error.textContent = describe(err);
    error.dataset.code = String(err?.code ?? '');
    error.hidden = false;
    if (err?.code === CONNECTION_LOST) setStatus('closed', 'Connection lost: reload the page');
  }
}

/** A sentence for the user: the validation issues of -32602, the declared error's data, or the message. */
function describe(err) {
  if (err?.code === INVALID_PARAMS && Array.isArray(err.data?.issues)) {
    return err.data.issues.map((issue) => `${issue.path?.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
  }
  if (isChatRoomFull(err)) return `Room ${err.data.room} is full (${err.data.capacity} members)`;
  return err?.message ?? String(err);
}

function show(message) {
  if (!current || message.room !== current.room || current.shown.has(message.id)) return;
  current.shown.add(message.id);
  const item = document.createElement('li');
  item.dataset.id = String(message.id);
  const user = document.createElement('span');
  user.className = 'user';
  user.textContent = message.user;
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = message.text;
  const time = document.createElement('time');
  time.dateTime = message.at;
  time.textContent = new Date(message.at).toLocaleTimeString();
  item.append(user, text, time);
  // History and live events can interleave: keep the list in message order.
  const list = $('messages');
  const later = [...list.children].find((other) => Number(other.dataset.id) > message.id);
  list.insertBefore(item, later ?? null);
  list.scrollTop = list.scrollHeight;
}

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}
