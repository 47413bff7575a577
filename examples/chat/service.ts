/**
 * The example service: its contracts and their handlers, as `warren serve --service` loads them,
 * and its chat page (`web`), which `warren serve` / `warren gateway` serve at `/` with the
 * generated SDK bundled at `/sdk.js`. Paths are relative to this file.
 */
import { contracts } from '../../schemas/index.ts';
import { chatService } from './handlers.ts';
import { mathService } from './math.ts';

export { contracts };
export const implementations = [chatService, mathService];
export const web = { root: 'web', sdk: '../../generated/client.ts' };
