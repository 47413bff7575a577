/**
 * The service module's access hooks (`authenticate`, `authorize`, `authorizeSubscribe`
 * exports) through the CLI, in separate processes: `warren serve` on the memory transport,
 * and `warren gateway` + `warren worker` on RabbitMQ, where the principal crosses the broker.
 * The module is test/cli/accessService.ts; a malformed hook is a usage error (exit 2).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ErrorCode } from 'warren-client/protocol';
import { deleteMethodQueues, needsBroker, uniqueName } from '../helpers/broker.ts';
import { ROOT, runWarren, tempFolders } from '../helpers/cli.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { request } from '../helpers/jsonrpc.ts';
import { startWarren, waitReady, WarrenProcesses, type WarrenProcess } from '../helpers/processes.ts';
import { testkitContract, TESTKIT_ENV } from '../helpers/testkit.ts';
import { contracts } from './accessService.ts';

const MODULE = join(ROOT, 'test/cli/accessService.ts');
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** The HTTP status an upgrade with these options gets: 101 when the socket opens. */
async function upgradeStatus(url: string, options?: ConstructorParameters<typeof FrameSocket>[1]): Promise<number> {
  const socket = new FrameSocket(url, options);
  try {
    await socket.opened;
    socket.close();
    return 101;
  } catch (err) {
    return Number(/HTTP (\d+)/.exec((err as Error).message)?.[1] ?? 0);
  }
}

/** The checks, against a gateway at `url` serving `service` (its admin contract is `<service>admin`). */
function accessChecks(gateway: () => string, service: string): void {
  const sockets: FrameSocket[] = [];
  after(() => sockets.forEach((s) => s.close()));
  const open = async (token?: string) => {
    const socket = await FrameSocket.open(gateway(), token ? bearer(token) : undefined);
    sockets.push(socket);
    return socket;
  };

  it('refuses a bad token with HTTP 401 on the upgrade; a good one and none open', async () => {
    assert.equal(await upgradeStatus(gateway(), bearer('wrong')), 401);
    assert.equal(await upgradeStatus(gateway(), bearer('admin-token')), 101);
    assert.equal(await upgradeStatus(gateway()), 101);
  });

  it('hands the principal to the handler; anonymous callers reach only what authorize allows', async () => {
    const ada = await open('admin-token');
    const who = await ada.request(request(1, `${service}.whoami`, {}));
    assert.deepEqual(who.result.principal, { id: 'ada', roles: ['admin'] });
    const anonymous = await open();
    assert.equal((await anonymous.request(request(2, `${service}.whoami`, {}))).error?.code, ErrorCode.UNAUTHORIZED);
    assert.equal((await anonymous.request(request(3, `${service}.echo`, { value: 1 }))).result?.value, 1);
  });

  it('refuses a method with roles without the role, runs it with the role', async () => {
    const bob = await open('user-token');
    assert.equal((await bob.request(request(1, `${service}admin.purge`, {}))).error?.code, ErrorCode.UNAUTHORIZED);
    const anonymous = await open();
    assert.equal((await anonymous.request(request(2, `${service}admin.purge`, {}))).error?.code, ErrorCode.UNAUTHORIZED);
    const ada = await open('admin-token');
    assert.deepEqual((await ada.request(request(3, `${service}admin.purge`, {}))).result, { by: 'ada' });
  });

  it('authorizeSubscribe: own topic only, never anonymous or every topic', async () => {
    const bob = await open('user-token');
    const event = `${service}.shouted`;
    assert.equal((await bob.request(request(1, 'rpc.subscribe', { event, topic: 'bob' }))).result, true);
    assert.equal((await bob.request(request(2, 'rpc.subscribe', { event, topic: 'ada' }))).error?.code, ErrorCode.UNAUTHORIZED);
    assert.equal((await bob.request(request(3, 'rpc.subscribe', { event }))).error?.code, ErrorCode.UNAUTHORIZED);
    const anonymous = await open();
    assert.equal((await anonymous.request(request(4, 'rpc.subscribe', { event, topic: 'bob' }))).error?.code, ErrorCode.UNAUTHORIZED);
  });
}

describe('warren serve --service <module with access hooks> (memory transport)', () => {
  const service = 'accesskit';
  let server: WarrenProcess;
  before(async () => {
    server = await startWarren('serve', { service: MODULE, transport: 'memory', env: { [TESTKIT_ENV]: service } });
  });
  after(() => server?.stop());
  accessChecks(() => server.url!, service);

  it('logs which hooks it took from the module', () => {
    assert.match(server.output.join(''), /access hooks from the service module: authenticate, authorize, authorizeSubscribe/);
  });
});

describe('warren gateway + warren worker with access hooks (RabbitMQ)', await needsBroker(), () => {
  const service = uniqueName('access');
  const group = new WarrenProcesses({ module: MODULE, contract: testkitContract(service), env: { [TESTKIT_ENV]: service } });
  let gateway: WarrenProcess;
  before(async () => {
    await group.start('worker');
    gateway = await group.start('gateway');
    await waitReady(gateway.http!);
  });
  after(async () => {
    await group.stopAll();
    await group.deleteQueues().catch(() => {});
    // The module's admin contract, made again here under this block's service name.
    await deleteMethodQueues({ ...contracts[1]!, service: `${service}admin` }).catch(() => {});
  });
  accessChecks(() => gateway.url!, service);
});

describe('a service module whose hook is not a function', () => {
  const folder = tempFolders('warren-access-');
  it('exits 2 naming the export and the shape it must have', async () => {
    const dir = folder();
    const file = join(dir, 'service.mts');
    writeFileSync(file, `export { contracts } from '${pathToFileURL(join(ROOT, 'schemas/index.ts')).href}';\nexport const authorize = true;\n`);
    const run = await runWarren(['gateway', '--service', file, '--transport', 'amqp', '--port', '0']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /"authorize" must be a function \(principal, \{ wireName, spec, params \}\) => boolean, got boolean/);
  });
});
