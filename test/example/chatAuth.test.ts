/**
 * The example chat's tokens and access rules through `warren serve` (separate process, memory
 * transport): the development key said on stderr, demo sign-in on with it and off with a real
 * key, tokens of another key or expired refused with 401, the sender taken from the token,
 * and subscriptions only for members (every room only for admins).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ErrorCode } from 'warren-client/protocol';
import { DEV_SECRET, Tokens } from '../../examples/chat/auth.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { request } from '../helpers/jsonrpc.ts';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { ROOT } from '../helpers/paths.ts';

const SERVICE = join(ROOT, 'examples/chat/service.ts');
const SECRET = 'a-real-key-for-this-test-only-0123456789';

/** Opens a socket with `?token=`, or says which HTTP status refused the upgrade. */
async function open(url: string, token?: string): Promise<FrameSocket | number> {
  const socket = new FrameSocket(token === undefined ? url : `${url}?token=${token}`);
  try {
    await socket.opened;
    return socket;
  } catch (err) {
    return Number(/HTTP (\d+)/.exec((err as Error).message)?.[1] ?? 0);
  }
}

function sockets() {
  const opened: FrameSocket[] = [];
  after(() => opened.forEach((s) => s.close()));
  return async (url: string, token?: string) => {
    const socket = await open(url, token);
    assert.ok(socket instanceof FrameSocket, `upgrade refused with ${socket}`);
    opened.push(socket);
    return socket;
  };
}

describe('the example chat with its development key', () => {
  let server: WarrenProcess;
  const connect = sockets();
  before(async () => {
    server = await startWarren('serve', { service: SERVICE, transport: 'memory', env: { WARREN_JWT_SECRET: '' } });
  });
  after(() => server?.stop());

  it('says on stderr that it signs with the development default, and that demo sign-in is on', () => {
    const output = server.output.join('');
    assert.match(output, /WARREN_JWT_SECRET is not set: tokens are signed with the DEV DEFAULT key/);
    assert.match(output, /demo sign-in \(chat\.signIn, any name, no password\) is ON/);
  });

  it('chat.signIn mints a token that names its user; the sender of a message is that user', async () => {
    const anonymous = await connect(server.url!);
    const signedIn = await anonymous.request(request(1, 'chat.signIn', { name: 'ann' }));
    assert.equal(signedIn.result.user, 'ann');
    assert.deepEqual(await new Tokens({ secret: DEV_SECRET }).verify(signedIn.result.token), { id: 'ann', roles: [] });
    // Anonymous: nothing of chat but signIn.
    assert.equal((await anonymous.request(request(2, 'chat.join', { room: 'lobby' }))).error.code, ErrorCode.UNAUTHORIZED);
    const ann = await connect(server.url!, signedIn.result.token);
    await ann.request(request(3, 'chat.join', { room: 'lobby' }));
    // A `user` in the params is not part of the contract: zod drops it, the token decides.
    const sent = await ann.request(request(4, 'chat.send', { room: 'lobby', text: 'hi', user: 'mallory' }));
    assert.equal(sent.result.user, 'ann');
  });

  it('refuses with 401 a token of another key, an expired one, and garbage', async () => {
    const other = await new Tokens({ secret: SECRET }).sign('ann');
    assert.equal(await open(server.url!, other.token), 401);
    const key = new TextEncoder().encode(DEV_SECRET);
    const expired = await new SignJWT({ roles: [] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('warren-chat').setSubject('ann').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
    assert.equal(await open(server.url!, expired), 401);
    assert.equal(await open(server.url!, 'not-a-token'), 401);
  });

  it('subscriptions: a room after joining it, every room only with the admin role', async () => {
    const tokens = new Tokens({ secret: DEV_SECRET });
    const bob = await connect(server.url!, (await tokens.sign('bob')).token);
    const subscribe = (socket: FrameSocket, id: number, topic?: string) =>
      socket.request(request(id, 'rpc.subscribe', topic === undefined ? { event: 'chat.message' } : { event: 'chat.message', topic }));
    assert.equal((await subscribe(bob, 1, 'secret-room')).error.code, ErrorCode.UNAUTHORIZED);
    assert.equal((await bob.request(request(2, 'chat.history', { room: 'secret-room' }))).error.code, 1002);
    await bob.request(request(3, 'chat.join', { room: 'secret-room' }));
    assert.equal((await subscribe(bob, 4, 'secret-room')).result, true);
    assert.equal((await subscribe(bob, 5)).error.code, ErrorCode.UNAUTHORIZED);
    const root = await connect(server.url!, (await tokens.sign('root', ['admin'])).token);
    assert.equal((await subscribe(root, 1)).result, true);
  });
});

describe('the example chat with a real key (WARREN_JWT_SECRET)', () => {
  const connect = sockets();
  const servers: WarrenProcess[] = [];
  after(() => Promise.all(servers.map((s) => s.stop())));
  const serve = async (env: Record<string, string>) => {
    const server = await startWarren('serve', { service: SERVICE, transport: 'memory', env: { WARREN_JWT_SECRET: SECRET, ...env } });
    servers.push(server);
    return server;
  };

  it('turns demo sign-in off (SignInDisabled), takes its own tokens, refuses the development key', async () => {
    const server = await serve({});
    assert.doesNotMatch(server.output.join(''), /DEV DEFAULT/);
    const anonymous = await connect(server.url!);
    assert.equal((await anonymous.request(request(1, 'chat.signIn', { name: 'ann' }))).error.code, 1003);
    assert.equal(await open(server.url!, (await new Tokens({ secret: DEV_SECRET }).sign('ann')).token), 401);
    const ann = await connect(server.url!, (await new Tokens({ secret: SECRET }).sign('ann')).token);
    assert.equal((await ann.request(request(2, 'chat.join', { room: 'lobby' }))).result.user, 'ann');
  });

  it('WARREN_CHAT_DEMO_SIGNIN=1 turns demo sign-in back on', async () => {
    const server = await serve({ WARREN_CHAT_DEMO_SIGNIN: '1' });
    const anonymous = await connect(server.url!);
    const { result } = await anonymous.request(request(1, 'chat.signIn', { name: 'ann' }));
    assert.deepEqual(await new Tokens({ secret: SECRET }).verify(result.token), { id: 'ann', roles: [] });
  });
});
