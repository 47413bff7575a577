/** The example service's contracts: the single source of truth for its API. */
import { chat } from './chat.ts';
import { math } from './math.ts';

export { chat, math };
export const contracts = [chat, math];
