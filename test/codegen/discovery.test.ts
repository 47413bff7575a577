/**
 * The discovery documents, served by a gateway started through the CLI (`warren serve`):
 * `GET /openrpc.json` and the `rpc.discover` JSON-RPC method.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateOpenRPCDocument } from '@open-rpc/schema-utils-js';
import { WebSocket } from 'ws';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';
import { ROOT } from './generateInto.ts';

type Doc = Record<string, any>;
const committed = JSON.parse(readFileSync(join(ROOT, 'generated/openrpc.json'), 'utf8')) as Doc;

/** One JSON-RPC request over a fresh socket. */
async function rpc(url: string, request: object): Promise<Doc> {
  const ws = new WebSocket(url);
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<Doc>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
    ws.send(JSON.stringify(request));
    return await reply;
  } finally {
    ws.close();
  }
}

let server: WarrenProcess;
before(async () => {
  server = await startWarren('serve', { service: join(ROOT, 'examples/chat/service.ts'), transport: 'memory' });
});
after(async () => {
  await server?.stop();
});

describe('GET /openrpc.json', () => {
  it('answers the OpenRPC document of the loaded contracts as application/json', async () => {
    const response = await fetch(`${server.http}/openrpc.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const doc = (await response.json()) as Doc;
    assert.equal(validateOpenRPCDocument(doc as never), true);
    assert.deepEqual(doc.methods, committed.methods);
    assert.deepEqual(doc.components, committed.components);
    assert.deepEqual(doc.servers, [{ name: 'this gateway', url: server.url }]);
  });

  it('leaves other paths and methods to the rest of the gateway', async () => {
    assert.equal((await fetch(`${server.http}/openrpc.json`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${server.http}/healthz`)).status, 200);
  });
});

describe('rpc.discover', () => {
  it('answers the same document over JSON-RPC', async () => {
    const reply = await rpc(server.url!, { jsonrpc: '2.0', id: 'd', method: 'rpc.discover' });
    assert.equal(reply.id, 'd');
    assert.equal(reply.result.openrpc, '1.3.2');
    assert.deepEqual(reply.result.methods, committed.methods);
  });
});
