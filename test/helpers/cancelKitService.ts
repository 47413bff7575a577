/** Service module for the cancellation process tests; the service name comes from WARREN_CANCEL_KIT_SERVICE. */
import { CANCEL_KIT_ENV, cancelKitContract, cancelKitImplementation } from './cancelKit.ts';

const service = process.env[CANCEL_KIT_ENV] ?? 'cancelkit';
export const contracts = [cancelKitContract(service)];
export const implementations = [cancelKitImplementation(service)];
