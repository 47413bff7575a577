/**
 * The gateway's limits as `warren serve|gateway` flags: one kebab-case flag per numeric
 * option of GatewayOptions (`frameRate` → `--frame-rate`), plus `--allowed-origins a,b`.
 *
 * The values are checked by resolveGatewayOptions itself, so the CLI accepts exactly what
 * the Gateway constructor accepts; its TypeError comes back as a UsageError that names flags.
 */
import { GATEWAY_DEFAULTS, resolveGatewayOptions, type GatewayOptions } from '../gateway/GatewayOptions.ts';
import type { Transport } from '../transport/Transport.ts';
import { UsageError } from './loadService.ts';

type Limit = keyof typeof GATEWAY_DEFAULTS;

/** The gateway options the CLI sets. */
export type GatewayLimits = Pick<GatewayOptions, Limit | 'allowedOrigins'>;

/**
 * Help for each limit: its argument and what it does (the default is appended from
 * GATEWAY_DEFAULTS). A Record over every limit, so a new one does not compile without a flag.
 */
const HELP: Record<Limit, [arg: string, text: string]> = {
  maxPayload: ['<bytes>', 'largest frame; a larger one closes the socket'],
  defaultTimeoutMs: ['<ms>', 'deadline of a call whose method sets none'],
  maxBatch: ['<n>', 'most requests in one batch'],
  maxInFlight: ['<n>', 'most calls one connection may have waiting'],
  maxSubscriptions: ['<n>', 'most subscriptions one connection may hold'],
  heartbeatMs: ['<ms>', 'interval of ws pings; 0 disables'],
  frameRate: ['<n>', 'requests per second per connection; 0 disables'],
  frameBurst: ['<n>', 'requests at once above --frame-rate; at least --max-batch'],
  rateLimitCloseMs: ['<ms>', 'close a connection rate-limited this long; 0 never'],
  sendHighWaterMark: ['<bytes>', 'unsent bytes past which a socket is not read'],
  sendLowWaterMark: ['<bytes>', 'unsent bytes at which reading resumes'],
  slowReaderTimeoutMs: ['<ms>', 'terminate a socket held back this long'],
  handshakeTimeoutMs: ['<ms>', 'time from TCP accept to an open WebSocket'],
  maxPendingUpgrades: ['<n>', 'connections not yet upgraded; past it the oldest goes'],
  maxConnections: ['<n>', 'open WebSockets; past it an upgrade gets 503'],
  idleTimeoutMs: ['<ms>', 'close a socket idle this long; 0 disables'],
};

const LIMITS = Object.keys(HELP) as Limit[];

/** `frameRate` → `--frame-rate` */
export function flagOf(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** parseArgs options of the gateway flags, to spread into the command's own. */
export const GATEWAY_FLAGS: Record<string, { type: 'string' }> = Object.fromEntries(
  [...LIMITS, 'allowedOrigins'].map((option) => [flagOf(option).slice(2), { type: 'string' }]),
);

/** The flags' lines of the usage text. */
export const GATEWAY_USAGE = [
  ...LIMITS.map((option) => [`${flagOf(option)} ${HELP[option][0]}`, `${HELP[option][1]} (default ${GATEWAY_DEFAULTS[option]})`]),
  ['--allowed-origins <a,b>', 'browser origins allowed to connect (default: any)'],
]
  .map(([flag, text]) => `  ${flag!.padEnd(30)} ${text}`)
  .join('\n');

/** Replaces every option name in a message of resolveGatewayOptions by its flag. */
function inFlagTerms(message: string): string {
  return message.replace(/\b[a-z]+(?:[A-Z][a-z]+)+\b/g, (word) => (word in HELP || word === 'allowedOrigins' ? flagOf(word) : word));
}

/**
 * The gateway limits among parsed flag values; only the flags given, so the gateway's
 * defaults apply to the rest. Throws a UsageError naming the flag for a bad value.
 */
export function parseGatewayFlags(values: Readonly<Record<string, unknown>>): GatewayLimits {
  const limits: GatewayLimits = {};
  for (const option of LIMITS) {
    const raw = values[flagOf(option).slice(2)];
    if (typeof raw !== 'string') continue;
    // Number() alone would read "" as 0 and "0x10" as 16; the range is resolveGatewayOptions' to check.
    if (!/^[+-]?\d+(\.\d+)?$/.test(raw.trim())) throw new UsageError(`${flagOf(option)} must be a number, got "${raw}"`);
    limits[option] = Number(raw);
  }
  const origins = values['allowed-origins'];
  if (typeof origins === 'string') limits.allowedOrigins = origins.split(',').map((o) => o.trim()).filter((o) => o !== '');
  try {
    // Only the limits are under test here; transport and contracts are merely required to be present.
    resolveGatewayOptions({ transport: {} as Transport, contracts: [], ...limits });
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(inFlagTerms(err.message));
    throw err;
  }
  return limits;
}
