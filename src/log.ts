/** Warren's logger: pino, JSON lines on stdout. `LOG_LEVEL` sets the level. */
import { pino } from 'pino';
import type { Logger } from './contract/Logger.ts';

export type { Logger };

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger & { child(bindings: object): Logger } {
  return pino({ name, level });
}

/** A logger that drops everything, for embedding and tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
