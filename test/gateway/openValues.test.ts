/**
 * An open enum and an open discriminated union (`.meta({ open: true })`) at run time: the worker
 * still validates results against the contract's own values, so a handler cannot send a value
 * the current contract does not list; and discovery publishes the marker in a valid OpenRPC
 * document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateOpenRPCDocument } from '@open-rpc/schema-utils-js';
import { z } from 'zod';
import { ErrorCode } from 'warren-client/protocol';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

type Doc = Record<string, any>;

const orders = defineContract({
  service: 'orders',
  methods: {
    status: {
      input: z.object({ status: z.string(), kind: z.string() }),
      output: z.object({
        status: z.enum(['open', 'paid']).meta({ open: true }),
        item: z.discriminatedUnion('kind', [z.object({ kind: z.literal('book'), isbn: z.string() }), z.object({ kind: z.literal('pen') })]).meta({ open: true }),
      }),
    },
  },
});
// The handler sends whatever it is asked to, to see what the worker lets through.
const ordersService = implement(orders, {
  status: ({ status, kind }) => ({ status, item: { kind, isbn: '0' } }) as never,
});

const call = (url: string, request: object): Promise<Doc> => FrameSocket.requestOnce(url, request);

describe('open enums and unions at run time', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ implementations: [ordersService], gateway: { discovery: true } });
  });
  after(async () => {
    await stack?.close();
  });

  const status = (params: object, id: number) => call(stack.url, { jsonrpc: '2.0', id, method: 'orders.status', params });

  it('answers values the contract lists', async () => {
    const reply = await status({ status: 'paid', kind: 'book' }, 1);
    assert.deepEqual(reply.result, { status: 'paid', item: { kind: 'book', isbn: '0' } });
  });

  it('still refuses a result value the current contract does not list', async () => {
    const enumValue = await status({ status: 'refunded', kind: 'book' }, 2);
    assert.equal(enumValue.result, undefined);
    assert.equal(enumValue.error?.code, ErrorCode.INTERNAL_ERROR, JSON.stringify(enumValue));
    const variant = await status({ status: 'open', kind: 'lamp' }, 3);
    assert.equal(variant.result, undefined);
    assert.equal(variant.error?.code, enumValue.error.code);
  });

  it('publishes x-warren-open in a valid OpenRPC document', async () => {
    const doc = (await (await fetch(`${stack.http}/openrpc.json`)).json()) as Doc;
    assert.equal(validateOpenRPCDocument(doc as never), true);
    const output = doc.components.schemas.OrdersStatusOutput;
    assert.equal(output.properties.status['x-warren-open'], true);
    assert.equal(output.properties.item['x-warren-open'], true);
  });
});
