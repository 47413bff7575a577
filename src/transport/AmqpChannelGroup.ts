/**
 * The channels one side of the transport needs (AmqpCaller's, AmqpServer's), opened together
 * on every connection, with the topology declared once on them, and only then the work that
 * uses them: the followers (AmqpServer's method consumers), which start on every fresh set.
 *
 * The channels live and die together. Until the group's setup has finished, `current` is
 * undefined; when any of its channels closes (the connection went, or the broker closed one
 * channel over an error), all of them are closed, so a consumer never holds deliveries while a
 * channel its decisions need is gone: the broker hands those deliveries out again once the
 * group is set up again. On a connection that stays up that happens after a backoff (a setup
 * that fails every time cannot spin); after a reconnect, at once.
 */
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { backoffDelay, type BackoffPolicy } from 'warren-client/protocol';
import type { Logger } from '../log.ts';

/** One channel of a group, named after what it carries. */
export interface Lane<C extends Channel = Channel> {
  readonly name: string;
  readonly channel: C;
  /** False from a publish() that returned false until the channel's 'drain'. */
  writable: boolean;
}

/** What a group's setup gets: the connection, and a way to open channels that belong to the group. */
export interface GroupContext {
  readonly model: ChannelModel;
  /** A channel without publisher confirms. */
  channel(name: string): Promise<Lane<Channel>>;
  /** A channel with publisher confirms. */
  confirmChannel(name: string): Promise<Lane<ConfirmChannel>>;
}

/** Opens the group's channels and declares its topology; resolves to the channels. */
export type GroupSetup<T> = (context: GroupContext) => Promise<T>;

/** Work that runs on each set of a group's channels once they are all set up (a consumer). */
export type Follower<T> = (channels: T) => Promise<void>;

export interface GroupOptions {
  log: Logger;
  /** The wait before setting the group up again on a connection that stayed up. */
  backoff: BackoffPolicy;
  /** True while the connection still uses this model. */
  isLive(model: ChannelModel): boolean;
  /** Called on every change of readiness (AmqpConnection's whenReady listens). */
  changed(): void;
  /**
   * The group is ready once its channels are set up, whether or not its followers have started:
   * for followers that come and go while the process serves (history readers), not for the
   * consumers a process is not ready without. @default false
   */
  readyWithoutFollowers?: boolean;
}

interface FollowerState<T> {
  /** The channels it was last started on. */
  on: T | undefined;
  run: Promise<void> | undefined;
  /** Its start on `on` finished. */
  done: boolean;
}

export class ChannelGroup<T> {
  readonly name: string;
  readonly #setup: GroupSetup<T>;
  readonly #options: GroupOptions;
  readonly #followers = new Map<Follower<T>, FollowerState<T>>();
  /** Bumped by every setup and every loss: a channel or setup of an older attempt is ignored. */
  #attempt = 0;
  #channels: Channel[] = [];
  #current: T | undefined;
  #opening: Promise<void> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** Setups again on a connection that stayed up, counted for their backoff. */
  #recoveries = 0;
  #lastRecoveryAt = Number.NEGATIVE_INFINITY;
  #stopped = false;

  constructor(name: string, setup: GroupSetup<T>, options: GroupOptions) {
    this.name = name;
    this.#setup = setup;
    this.#options = options;
  }

  /** The channels of the latest finished setup; undefined while they are being opened or are gone. */
  get current(): T | undefined {
    return this.#current;
  }

  /** Settles when the setup in progress has finished or failed; undefined when none is. */
  get opening(): Promise<void> | undefined {
    return this.#opening;
  }

  /** Set up, and every follower started on these channels. */
  isReady(): boolean {
    const current = this.#current;
    if (!current) return false;
    if (this.#options.readyWithoutFollowers) return true;
    for (const state of this.#followers.values()) if (state.on !== current || !state.done) return false;
    return true;
  }

  /** Sets the group up on this connection (AmqpConnection calls it on every new one). */
  open(model: ChannelModel): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const attempt = ++this.#attempt;
    this.#current = undefined;
    this.#channels = [];
    const context: GroupContext = {
      model,
      channel: (name) => this.#openChannel(model, attempt, name, false),
      confirmChannel: (name) => this.#openChannel(model, attempt, name, true),
    };
    const opening: Promise<void> = this.#setup(context)
      .then(
        (channels) => {
          if (attempt !== this.#attempt) return;
          this.#current = channels;
          for (const follower of this.#followers.keys()) void this.#start(follower, channels);
          this.#options.changed();
        },
        (err: Error) => {
          if (attempt === this.#attempt) this.#lost(model, err);
        },
      )
      .finally(() => {
        if (this.#opening === opening) this.#opening = undefined;
      });
    this.#opening = opening;
    this.#options.changed();
  }

  /**
   * Starts `follower` on every set of channels from now on. Resolves once it has started on the
   * current set, or at once when there is none and no setup in progress (it starts on the next).
   */
  async follow(follower: Follower<T>): Promise<void> {
    this.#followers.set(follower, { on: undefined, run: undefined, done: false });
    if (!this.#current && this.#opening) await this.#opening;
    const current = this.#current;
    if (current) await this.#start(follower, current);
  }

  /** Stops starting `follower`; it stops itself. */
  unfollow(follower: Follower<T>): void {
    this.#followers.delete(follower);
    this.#options.changed();
  }

  /**
   * No more setups, and the channels closed one by one. Closing a channel waits for RabbitMQ
   * to take every frame sent on it before (a reply published just now, say); closing the
   * connection alone does not, and loses them.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#attempt++;
    this.#current = undefined;
    await Promise.all(this.#channels.splice(0).map((channel) => channel.close().catch(() => {})));
  }

  #start(follower: Follower<T>, channels: T): Promise<void> {
    const state = this.#followers.get(follower);
    if (!state) return Promise.resolve();
    if (state.on === channels && state.run) return state.run;
    state.on = channels;
    state.done = false;
    state.run = follower(channels).then(
      () => {
        if (state.on !== channels) return;
        state.done = true;
        this.#options.changed();
      },
      (err: Error) => {
        this.#options.log.warn({ err: err.message, channels: this.name }, 'setup on the AMQP channels failed; it runs again when they are set up again');
      },
    );
    return state.run;
  }

  async #openChannel<C extends Channel>(model: ChannelModel, attempt: number, name: string, confirm: boolean): Promise<Lane<C>> {
    const channel = (confirm ? await model.createConfirmChannel() : await model.createChannel()) as C;
    const lane: Lane<C> = { name, channel, writable: true };
    let failure: Error | undefined;
    channel.on('error', (err: Error) => {
      // The broker closed this channel alone (an error on it); its 'close' follows.
      failure = err;
      this.#options.log.warn({ err: err.message, channel: `${this.name} ${name}` }, 'AMQP channel error');
    });
    channel.on('close', () => {
      if (attempt === this.#attempt) this.#lost(model, failure ?? new Error(`channel ${name} closed`));
    });
    channel.on('drain', () => {
      lane.writable = true;
    });
    if (attempt !== this.#attempt) {
      // Opened for a setup that a loss or a newer setup has superseded.
      await channel.close().catch(() => {});
      throw new Error(`channel ${name} opened for a superseded setup`);
    }
    this.#channels.push(channel);
    return lane;
  }

  /** One channel went, or the setup failed: close the others, and set the group up again. */
  #lost(model: ChannelModel, err: Error): void {
    this.#attempt++;
    this.#current = undefined;
    for (const channel of this.#channels.splice(0)) channel.close().catch(() => {});
    this.#options.changed();
    // A lost connection closes its channels first and itself right after: wait for it to say so.
    setImmediate(() => {
      if (this.#stopped || !this.#options.isLive(model)) return;
      const now = performance.now();
      if (now - this.#lastRecoveryAt > 60_000) this.#recoveries = 0;
      this.#lastRecoveryAt = now;
      const retryInMs = backoffDelay(this.#recoveries++, this.#options.backoff);
      this.#options.log.error(
        { channels: this.name, err: err.message, retryInMs },
        'RabbitMQ closed a channel over an error; setting the channels up again',
      );
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        if (!this.#stopped && this.#options.isLive(model)) this.open(model);
      }, retryInMs);
    });
  }
}
