// The chat page's script: the generated SDK (bundled by Warren at /sdk.js) over the
// browser's own WebSocket. No framework, no build step.
//
// Sign-in: the page asks chat.signIn for a token (demo sign-in: any name) on an anonymous
// connection, keeps it in this tab's sessionStorage, and connects again with it as `?token=`:
// a browser cannot set an Authorization header on a WebSocket. The server knows who sends what
// from that token only.
import { connect, isChatNotMember, isChatRoomFull, isChatSignInDisabled } from './sdk.js';

const INVALID_PARAMS = -32602;
const UNAUTHORIZED = -32002;
const TOKEN_KEY = 'warren-chat-token';
const STATES = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…', closed: 'Disconnected' };

const $ = (id) => document.getElementById(id);

/** The signed-in session: { user, token }; null before sign-in. */
let session = readSession();
/** The SDK on the current connection (anonymous before sign-in). */
let api = null;
/** The room joined: { room, shown (ids), unsubscribe[] }. */
let current = null;

open();

/** Connects (with the token when signed in) and shows the connection's state as it changes. */
function open() {
  api?.$client.close();
  const url = new URL('rpc', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (session) url.searchParams.set('token', session.token);
  const connected = (api = connect({ url: url.href, reconnect: { maxDelayMs: 5000 } }));
  connected.$client.onState(({ state, attempt, error }) => {
    if (connected !== api) return;
    setStatus(state, state === 'reconnecting' && attempt > 1 ? `${STATES.reconnecting} (attempt ${attempt})` : STATES[state]);
    if (state !== 'reconnecting') return;
    if (session && Date.parse(session.expiresAt) <= Date.now()) {
      // The token expired: the server refuses it now, so retrying with it would never end.
      return signOut('Your sign-in expired: sign in again');
    }
    if (error?.code === UNAUTHORIZED && current) {
      // The server refused to re-subscribe to the room: it no longer counts us a member (a
      // server that keeps its rooms in memory restarted). Start over in the lobby of the page.
      current = null;
      delete $('chat').dataset.joined;
      $('messages').replaceChildren();
      open();
      showError('The server forgot the room (it restarted without a database): join it again');
    }
  });
  connected.$client.ready().then(
    () => connected === api && setStatus('open', STATES.open),
    () => {},
  );
  showSignedIn();
}

function showSignedIn() {
  $('signin').hidden = session !== null;
  $('signin-button').disabled = false;
  $('whoami').hidden = session === null;
  $('me').textContent = session?.user ?? '';
  $('join').hidden = session === null || current !== null;
  $('chat').hidden = current === null;
}

$('signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  await run(async () => {
    const { token, user, expiresAt } = await api.chat.signIn({ name: $('name').value.trim() });
    session = { token, user, expiresAt };
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
    open();
  });
});

$('signout-button').addEventListener('click', () => signOut());

function signOut(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  session = null;
  current = null;
  delete $('chat').dataset.joined;
  $('messages').replaceChildren();
  open();
  if (reason) showError(reason);
}

$('join').addEventListener('submit', async (event) => {
  event.preventDefault();
  const room = $('room').value.trim();
  await run(async () => {
    const joined = await api.chat.join({ room });
    const entered = (current = { room, shown: new Set(), unsubscribe: [] });
    $('messages').replaceChildren();
    // Membership first, then the subscriptions: the server lets only members subscribe.
    entered.unsubscribe.push(
      await api.chat.on('message', { topic: room }, (message) => entered === current && showMessage(message)),
      await api.chat.on('member', { topic: room }, (change) => entered === current && showMember(change)),
    );
    for (const message of (await api.chat.history({ room })).messages) showMessage(message);
    $('room-name').textContent = joined.room;
    setMembers(joined.members.length);
    $('chat').dataset.joined = room;
    showSignedIn();
    $('text').focus();
  });
});

$('leave-button').addEventListener('click', async () => {
  if (!current) return;
  const left = current;
  await run(async () => {
    current = null;
    for (const unsubscribe of left.unsubscribe) await unsubscribe();
    await api.chat.leave({ room: left.room });
    delete $('chat').dataset.joined;
    showSignedIn();
  });
});

$('send').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!current) return;
  const { room } = current;
  await run(async () => {
    showMessage(await api.chat.send({ room, text: $('text').value }));
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
    showError(describe(err), err?.code);
  }
}

function showError(text, code) {
  const error = $('error');
  error.textContent = text;
  error.dataset.code = String(code ?? '');
  error.hidden = false;
}

/** A sentence for the user: the validation issues of -32602, the declared error's data, or the message. */
function describe(err) {
  if (err?.code === INVALID_PARAMS && Array.isArray(err.data?.issues)) {
    return err.data.issues.map((issue) => `${issue.path?.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
  }
  if (isChatRoomFull(err)) return `Room ${err.data.room} is full (${err.data.capacity} members)`;
  if (isChatNotMember(err)) return `Join ${err.data.room} first`;
  if (isChatSignInDisabled(err)) return 'This server has demo sign-in turned off';
  return err?.message ?? String(err);
}

function showMessage(message) {
  if (!current || message.room !== current.room || current.shown.has(message.id)) return;
  current.shown.add(message.id);
  const item = document.createElement('li');
  item.dataset.id = String(message.id);
  if (message.user === session?.user) item.classList.add('mine');
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
  // History and live events can interleave: keep the list in message order (notices stay where they arrived).
  const list = $('messages');
  const later = [...list.children].find((other) => other.dataset.id !== undefined && Number(other.dataset.id) > message.id);
  list.insertBefore(item, later ?? null);
  list.scrollTop = list.scrollHeight;
}

function showMember({ user, joined, members }) {
  setMembers(members);
  const item = document.createElement('li');
  item.className = 'notice';
  item.textContent = user === session?.user ? `You ${joined ? 'joined' : 'left'}` : `${user} ${joined ? 'joined' : 'left'}`;
  $('messages').append(item);
}

function setMembers(count) {
  $('members').dataset.count = String(count);
  $('members').textContent = `${count} member${count === 1 ? '' : 's'}`;
}

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

/** This tab's token, unless it expires within a minute. */
function readSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null');
    if (saved && Date.parse(saved.expiresAt) > Date.now() + 60_000) return saved;
  } catch {}
  sessionStorage.removeItem(TOKEN_KEY);
  return null;
}
