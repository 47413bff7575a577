/** `warren check`'s public surface: contract locks, the compatibility checker and its rule table. */
export { buildLock, parseLock, serializeLock, LOCK_VERSION } from './lock.ts';
export type { Lock, LockedService, LockedMethod, LockedEvent, LockedError } from './lock.ts';
export { checkLocks, failed } from './checkLocks.ts';
export type { Finding, CheckOptions } from './checkLocks.ts';
export { compareSchemas } from './compareSchemas.ts';
export type { Change } from './comparison.ts';
export { RULES, rule } from './rules.ts';
export type { Rule, Severity, Direction } from './rules.ts';
export { majorBumped } from './semver.ts';
export { buildReport, formatReport } from './report.ts';
export type { Report } from './report.ts';
