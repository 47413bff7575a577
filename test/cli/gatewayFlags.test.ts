/**
 * parseGatewayFlags(values): the gateway's limits as `warren serve|gateway` flags, checked by
 * GatewayOptions' own validation; and the flags on a real `warren serve` process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { flagOf, GATEWAY_FLAGS, parseGatewayFlags } from '../../src/cli/gatewayFlags.ts';
import { UsageError } from '../../src/cli/loadService.ts';
import { GATEWAY_DEFAULTS } from '../../src/gateway/GatewayOptions.ts';
import { ROOT } from '../helpers/paths.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startWarren, type WarrenProcess } from '../helpers/processes.ts';

const CHAT = join(ROOT, 'examples/chat/service.ts');

/** The flags as `warren` reads them from its argument list. */
function limitsOf(args: string[]) {
  return parseGatewayFlags(parseArgs({ args, options: GATEWAY_FLAGS, strict: true }).values);
}

function refused(args: string[], message: RegExp): void {
  assert.throws(() => limitsOf(args), (err: unknown) => err instanceof UsageError && message.test(err.message));
}

describe('parseGatewayFlags(values)', () => {
  it('returns only the limits given, so the gateway defaults apply to the rest', () => {
    assert.deepEqual(limitsOf([]), {});
    assert.deepEqual(limitsOf(['--frame-rate', '1000000000', '--frame-burst', '1000000000', '--max-connections', '20000']), {
      frameRate: 1_000_000_000,
      frameBurst: 1_000_000_000,
      maxConnections: 20_000,
    });
  });

  it('has one kebab-case flag for every numeric gateway option, plus --allowed-origins', () => {
    const expected = [...Object.keys(GATEWAY_DEFAULTS), 'allowedOrigins'].map((option) => flagOf(option).slice(2));
    assert.deepEqual(Object.keys(GATEWAY_FLAGS).sort(), expected.sort());
    assert.equal(flagOf('maxInFlight'), '--max-in-flight');
    assert.equal(flagOf('sendHighWaterMark'), '--send-high-water-mark');
    // Each flag reaches its own option; the high-water mark must stay above the default low one.
    for (const option of Object.keys(GATEWAY_DEFAULTS)) {
      const value = option === 'sendHighWaterMark' ? 2_000_000 : 100;
      assert.deepEqual(limitsOf([`${flagOf(option)}=${value}`]), { [option]: value }, option);
    }
  });

  it('takes 0 where GatewayOptions means "off" by it, and refuses it elsewhere', () => {
    assert.deepEqual(limitsOf(['--frame-rate', '0', '--heartbeat-ms', '0', '--idle-timeout-ms', '0', '--rate-limit-close-ms', '0']), {
      frameRate: 0,
      heartbeatMs: 0,
      idleTimeoutMs: 0,
      rateLimitCloseMs: 0,
    });
    refused(['--max-connections', '0'], /^--max-connections must be an integer from 1 to \d+, got 0$/);
    refused(['--default-timeout-ms', '0'], /^--default-timeout-ms must be an integer from 1/);
  });

  it('refuses negative, fractional and out-of-range numbers with the flag named', () => {
    refused(['--frame-rate=-1'], /^--frame-rate must be an integer from 0 to \d+, got -1$/);
    refused(['--max-payload', '1.5'], /^--max-payload must be an integer .* got 1\.5$/);
    refused(['--heartbeat-ms', String(2 ** 31)], /^--heartbeat-ms must be an integer from 0 to 2147483647/);
  });

  it('refuses text that is not a decimal number, rather than reading "" as 0 or "0x10" as 16', () => {
    for (const raw of ['', 'abc', '0x10', '1e3', '10ms']) {
      refused(['--max-batch', raw], new RegExp(`^--max-batch must be a number, got "${raw}"$`));
    }
  });

  it('checks --frame-burst against --max-batch as GatewayOptions does, in flag terms', () => {
    refused(['--frame-burst', '50'], /^--frame-burst must be at least --max-batch \(100\), got 50$/);
    refused(['--max-batch', '20000'], /^--frame-burst must be at least --max-batch \(20000\), got 10000$/);
    // With the rate limit off the burst is unused, so GatewayOptions lets it be.
    assert.deepEqual(limitsOf(['--frame-rate', '0', '--frame-burst', '50']), { frameRate: 0, frameBurst: 50 });
  });

  it('--allowed-origins takes a comma-separated list', () => {
    assert.deepEqual(limitsOf(['--allowed-origins', 'https://a.example, https://b.example,']), {
      allowedOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('is listed in full in the docs section on warren serve, gateway and worker', () => {
    const page = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
    const start = page.indexOf('## `warren serve`, `warren gateway`, `warren worker`');
    assert.ok(start >= 0, 'docs/cli.md lacks its section on warren serve, gateway and worker');
    const end = page.indexOf('\n## ', start + 1);
    const section = page.slice(start, end < 0 ? undefined : end);
    for (const flag of Object.keys(GATEWAY_FLAGS)) assert.match(section, new RegExp(`--${flag}\\b`), flag);
  });
});

interface Run {
  status: number;
  stderr: string;
}

function warren(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bin/warren.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 }, (err, _stdout, stderr) => {
      done({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr });
    });
  });
}

describe('warren serve with gateway flags', () => {
  let server: WarrenProcess;
  before(async () => {
    server = await startWarren('serve', {
      service: CHAT,
      transport: 'memory',
      args: ['--frame-rate', '0', '--max-batch', '2', '--max-connections', '1', '--allowed-origins', 'https://chat.example'],
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('hands the limits to its gateway', async () => {
    const socket = await FrameSocket.open(server.url!, { origin: 'https://chat.example' });
    try {
      // --max-batch 2: a batch of two is served, one of three refused whole.
      const add = (id: number) => ({ jsonrpc: '2.0', id, method: 'math.add', params: [id, 1] });
      socket.send([add(1), add(2)]);
      assert.deepEqual((await socket.next()).map((r: { result: number }) => r.result).sort(), [2, 3]);
      socket.send([add(1), add(2), add(3)]);
      assert.deepEqual(await socket.next(), { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Batch larger than 2 requests' } });
      // --max-connections 1: a second socket is refused while the first is open.
      await assert.rejects(FrameSocket.open(server.url!), /HTTP 503/);
    } finally {
      socket.ws.close();
      await socket.closed;
    }
    // --allowed-origins: an origin off the list is refused (403, not the 503 of the connection limit).
    await assert.rejects(FrameSocket.open(server.url!, { origin: 'https://evil.example' }), /HTTP 403/);
  });

  it('exits 2 with the flag named when a value is bad', async () => {
    const run = await warren(['serve', '--service', CHAT, '--transport', 'memory', '--port', '0', '--max-in-flight', '0']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^warren: --max-in-flight must be an integer from 1 to \d+, got 0\n$/);
  });

  it('exits 2 when a worker is given a gateway limit', async () => {
    const run = await warren(['worker', '--service', CHAT, '--transport', 'amqp', '--frame-rate', '0']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--frame-rate is a gateway limit: use it with serve or gateway/);
  });
});
