/** The example service: its contracts and their handlers, as `warren serve --service` loads them. */
import { contracts } from '../../schemas/index.ts';
import { chatService } from './handlers.ts';
import { mathService } from './math.ts';

export { contracts };
export const implementations = [chatService, mathService];
