/**
 * `--queue-type` on the command line: a worker option, checked before anything connects, and
 * listed in the CLI docs. What it does on RabbitMQ is in test/fault/quorumQueues.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runWarren } from '../helpers/cli.ts';

const CHAT = join(ROOT, 'examples/chat/service.ts');

describe('warren --queue-type', () => {
  it('exits 2 on a type that is neither classic nor quorum', async () => {
    const run = await runWarren(['worker', '--service', CHAT, '--transport', 'amqp', '--queue-type', 'mirrored']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^warren: Invalid --queue-type "mirrored": use classic or quorum\n$/);
  });

  it('exits 2 on a gateway, which declares no method queues', async () => {
    const run = await runWarren(['gateway', '--service', CHAT, '--transport', 'amqp', '--queue-type', 'quorum']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--queue-type is a worker option: a gateway declares no method queues/);
  });

  it('exits 2 on the memory transport', async () => {
    const run = await runWarren(['serve', '--service', CHAT, '--transport', 'memory', '--queue-type', 'quorum']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--queue-type needs RabbitMQ: add --transport amqp/);
  });

  it('is listed in the docs section on warren serve, gateway and worker', () => {
    const page = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
    assert.match(page, /--queue-type <type>/);
  });
});

describe('warren --reply-queue-type', () => {
  it('exits 2 on a type that is neither classic nor quorum', async () => {
    const run = await runWarren(['gateway', '--service', CHAT, '--transport', 'amqp', '--reply-queue-type', 'stream']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^warren: Invalid --reply-queue-type "stream": use classic or quorum\n$/);
  });

  it('exits 2 on a worker, which makes no calls', async () => {
    const run = await runWarren(['worker', '--service', CHAT, '--transport', 'amqp', '--reply-queue-type', 'quorum']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--reply-queue-type is a caller option: a worker makes no calls/);
  });

  it('exits 2 on the memory transport', async () => {
    const run = await runWarren(['serve', '--service', CHAT, '--transport', 'memory', '--reply-queue-type', 'quorum']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--reply-queue-type needs RabbitMQ: add --transport amqp/);
  });

  it('is listed in the docs section on warren serve, gateway and worker', () => {
    const page = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
    assert.match(page, /--reply-queue-type <type>/);
  });
});
