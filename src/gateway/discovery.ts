/**
 * The gateway's discovery document (GatewayOptions.discovery): the OpenRPC document of its
 * contracts, rendered by codegen when the gateway is built, served at `GET /openrpc.json` and
 * as the result of `rpc.discover`.
 *
 * defineContract refuses a schema with no JSON form and a name the SDK reserves, so a contract
 * it made is describable. What codegen still refuses is left out: a method whose generated type
 * names collide with others, with one warning naming it (the rest is served); a refusal that is
 * no one method's (two contracts with one service name) leaves no document at all, and the
 * gateway then answers neither.
 */
import type Koa from 'koa';
import { resultBody } from 'warren-client/protocol';
import { CodegenError } from '../../codegen/CodegenError.ts';
import { buildModel } from '../../codegen/model.ts';
import { renderOpenRpc } from '../../codegen/renderOpenRpc.ts';
import type { Contract } from '../contract/defineContract.ts';
import type { Logger } from '../contract/implement.ts';
import type { ReplyBody } from '../protocol/call.ts';

/** The contract and method a codegen refusal names, when it names one method. */
function refusedMethod(err: CodegenError, contracts: readonly Contract[]): { contract: Contract; name: string } | undefined {
  const contract = contracts.find((c) => c.service === err.service);
  // A message is named `<service>.<method> input` (or output); a method name alone, `<service>.<method>`.
  const wireName = err.messageName?.replace(/ (input|output)$/, '');
  if (!contract || !wireName?.startsWith(`${contract.service}.`)) return undefined;
  const name = wireName.slice(contract.service.length + 1);
  return Object.hasOwn(contract.methods, name) ? { contract, name } : undefined;
}

/** The OpenRPC document of `contracts`, without the methods codegen refuses; undefined when it refuses them all. */
function render(contracts: readonly Contract[], log: Logger): Record<string, unknown> | undefined {
  let described = contracts;
  for (;;) {
    try {
      return renderOpenRpc(buildModel(described)) as Record<string, unknown>;
    } catch (err) {
      if (!(err instanceof CodegenError)) throw err;
      const refused = refusedMethod(err, described);
      if (!refused) {
        log.warn({ err: err.message }, 'no OpenRPC document: the contracts cannot be described; rpc.discover and /openrpc.json are off');
        return undefined;
      }
      const method = `${refused.contract.service}.${refused.name}`;
      log.warn({ method, err: err.message }, `${method} is left out of the OpenRPC document (rpc.discover, /openrpc.json): codegen cannot describe it`);
      const { [refused.name]: _left, ...methods } = refused.contract.methods;
      described = described.map((contract) => (contract === refused.contract ? { ...contract, methods } : contract));
    }
  }
}

export class Discovery {
  #document: Record<string, unknown>;
  #text: string;
  #reply: ReplyBody;

  /** Renders the document; undefined when codegen describes none of it (logged). */
  static of(contracts: readonly Contract[], log: Logger): Discovery | undefined {
    const document = render(contracts, log);
    return document && new Discovery(document);
  }

  private constructor(document: Record<string, unknown>) {
    this.#document = document;
    this.#text = JSON.stringify(document);
    this.#reply = resultBody(document);
  }

  /** The reply body of `rpc.discover`, encoded once. */
  get reply(): ReplyBody {
    return this.#reply;
  }

  /** Names the gateway's own address in the document's `servers`. */
  setServerUrl(url: string): void {
    this.#document = { ...this.#document, servers: [{ name: 'this gateway', url }] };
    this.#text = JSON.stringify(this.#document);
    this.#reply = resultBody(this.#document);
  }

  /** `GET /openrpc.json`; everything else goes on to the next middleware. */
  readonly middleware: Koa.Middleware = async (ctx, next) => {
    if (ctx.path !== '/openrpc.json' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    // Lets browser tools such as the OpenRPC playground read the document.
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.type = 'application/json';
    ctx.body = this.#text;
  };
}
