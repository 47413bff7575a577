/**
 * Real broker faults through `rabbitmqctl`: close one process's connection, stop and start
 * the RabbitMQ application. Whatever stops the broker must restore it (see withBrokerStopped).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 60_000 });
  return stdout;
}

export interface BrokerConnection {
  pid: string;
  /** The `connection_name` client property, or '' when the client set none. */
  name: string;
}

export async function listConnections(): Promise<BrokerConnection[]> {
  const out = await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties');
  return out
    .split('\n')
    .filter((line) => line.startsWith('<'))
    .map((line) => {
      const [pid = '', properties = ''] = line.split('\t');
      return { pid, name: /\{"connection_name","([^"]*)"\}/.exec(properties)?.[1] ?? '' };
    });
}

/** Closes every broker connection whose name passes `match`; resolves to how many it closed. */
export async function closeConnections(match: (name: string) => boolean, reason = 'fault test'): Promise<number> {
  const chosen = (await listConnections()).filter((c) => match(c.name));
  for (const connection of chosen) await rabbitmqctl('close_connection', connection.pid, reason);
  return chosen.length;
}

/** Closes the broker connections of one `warren` process (named `warren <command> <pid>`). */
export function closeConnectionsOf(osPid: number, reason = 'fault test'): Promise<number> {
  return closeConnections((name) => name.startsWith('warren ') && name.endsWith(` ${osPid}`), reason);
}

export async function stopApp(): Promise<void> {
  await rabbitmqctl('stop_app');
}

export async function startApp(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}

/**
 * Stops the RabbitMQ application, runs `during`, and starts it again, always, even when
 * `during` throws. Resolves to what `during` returned.
 */
export async function withBrokerStopped<T>(during: () => Promise<T>): Promise<T> {
  try {
    await stopApp();
    return await during();
  } finally {
    await startApp();
  }
}
