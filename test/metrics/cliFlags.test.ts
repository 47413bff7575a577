/** The CLI's metrics and status flags: each refused where it does not belong, with exit code 2 and the flag named. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runWarren } from '../helpers/cli.ts';

const service = fileURLToPath(new URL('../helpers/testkitService.ts', import.meta.url));

describe('warren --metrics-port / --metrics-host / --no-metrics / --status', { timeout: 60_000 }, () => {
  const cases: [string[], RegExp][] = [
    [['gateway', '--transport', 'amqp', '--metrics-port', '0'], /--metrics-port is a worker option/],
    [['serve', '--metrics-port', '9100'], /--metrics-port is a worker option/],
    [['worker', '--transport', 'amqp', '--metrics-host', '0.0.0.0'], /--metrics-host needs --metrics-port/],
    [['worker', '--transport', 'amqp', '--no-metrics'], /--no-metrics is a gateway option/],
    [['worker', '--transport', 'amqp', '--metrics-port', 'x'], /Invalid port "x"/],
    [['serve', '--status', '--no-metrics'], /--status reads the gateway's metrics: it cannot run with --no-metrics/],
    [['worker', '--transport', 'amqp', '--status'], /--status is a gateway option/],
  ];
  for (const [args, message] of cases) {
    it(args.slice(1).join(' '), async () => {
      const run = await runWarren([args[0]!, '--service', service, ...args.slice(1)]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, message);
    });
  }

  it('the help names the four flags', async () => {
    const run = await runWarren(['--help']);
    for (const flag of ['--no-metrics', '--metrics-port <n>', '--metrics-host <addr>', '--status']) assert.ok(run.stdout.includes(flag), flag);
  });
});
