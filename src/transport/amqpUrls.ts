/**
 * The broker's nodes as AmqpTransport takes them: one URL, a comma-separated list of them
 * (`AMQP_URL=amqp://a:5672,amqp://b:5672`), or an array (repeated `--amqp-url`). Pure code:
 * parsing, the fields amqplib's object form of a URL takes, and the URL as logs show it.
 */

/** The fields of amqplib's object form of a URL (`amqplib.connect({ hostname, port, … })`). */
export interface ConnectFields {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username?: string;
  password?: string;
  vhost: string;
  heartbeat: number;
  frameMax?: number;
  channelMax?: number;
  locale?: string;
}

/**
 * The node URLs, in order, from one string (split at commas) or several (each split the same
 * way). Blanks around a URL and empty entries are dropped; a comma inside a URL (in a
 * password, say) must be percent-encoded as `%2C`. Throws a TypeError naming the bad entry
 * when one is not an `amqp:` or `amqps:` URL with a host, or when there is none at all.
 */
export function parseAmqpUrls(raw: string | readonly string[]): string[] {
  const urls = (typeof raw === 'string' ? [raw] : raw)
    .flatMap((entry) => entry.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (urls.length === 0) throw new TypeError('url: no AMQP URL given');
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`url: "${safeUrl(url)}" is not a URL`);
    }
    if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
      throw new TypeError(`url: "${safeUrl(url)}" must start with amqp:// or amqps://`);
    }
    if (parsed.hostname === '') throw new TypeError(`url: "${safeUrl(url)}" names no host`);
  }
  return urls;
}

/** The URL with its credentials hidden, for logs and errors. */
export function safeUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** An integer query parameter, or undefined when absent or not an integer. */
function intParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  return raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * The fields amqplib connects with for one of parseAmqpUrls' URLs: what its string form would
 * read from the URL (credentials decoded, the vhost as written, `heartbeat`, `frameMax`,
 * `channelMax` and `locale` from the query), with `heartbeatSeconds` unless the URL names one.
 */
export function connectFields(url: string, heartbeatSeconds: number): ConnectFields {
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'amqps:' ? 'amqps' : 'amqp';
  const fields: ConnectFields = {
    protocol,
    hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : protocol === 'amqp' ? 5672 : 5671,
    // amqplib unescapes the vhost itself.
    vhost: parsed.pathname.slice(1),
    heartbeat: intParam(parsed.searchParams, 'heartbeat') ?? heartbeatSeconds,
  };
  // As in the string form, guest/guest only when the URL names neither.
  if (parsed.username !== '' || parsed.password !== '') {
    fields.username = decodeURIComponent(parsed.username);
    fields.password = decodeURIComponent(parsed.password);
  }
  const frameMax = intParam(parsed.searchParams, 'frameMax');
  if (frameMax !== undefined) fields.frameMax = frameMax;
  const channelMax = intParam(parsed.searchParams, 'channelMax');
  if (channelMax !== undefined) fields.channelMax = channelMax;
  const locale = parsed.searchParams.get('locale');
  if (locale) fields.locale = locale;
  return fields;
}
