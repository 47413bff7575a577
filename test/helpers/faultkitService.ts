/** Service module for the fault tests' processes; the service name comes from WARREN_FAULTKIT_SERVICE. */
import { FAULTKIT_ENV, faultkitContract, faultkitImplementation } from './faultkit.ts';

const service = process.env[FAULTKIT_ENV] ?? 'faultkit';
export const contracts = [faultkitContract(service)];
export const implementations = [faultkitImplementation(service)];
