/**
 * Notices of loads that ended in other processes: a write made under a lease, or a lease given
 * up, is published on the store's flight channel (by the script that does it), and a process
 * waiting for that load hears it here and reads the entry at once instead of polling.
 *
 * One subscriber connection per store, made on the first wait and kept until the store closes.
 * A notice is only a wake-up call: a waiter whose notice is lost (the subscriber reconnecting)
 * wakes at its own timeout and checks the lease itself, so nothing depends on the connection
 * being up. The subscriber never raises an unhandled rejection or error event.
 *
 * When a process waited for the key (its claim marked it) and the entry is small, the leader's
 * write also publishes the entry itself, just before the plain notice, on the value channel
 * (`<key bytes>:<key><envelope>`): the waiters answer from it without reading Redis. Such a
 * value was current when it was published, exactly like one a waiter would read right after
 * the plain notice; an undecodable one wakes its waiters as a plain notice would.
 */
import type { Redis } from 'ioredis';
import type { RedisStoredEntry } from './entry.js';

/** Longest pause between two attempts to create the subscriber connection. */
const MAX_RECONNECT_DELAY_MS = 2_000;

const noop = (): void => undefined;

/** One waiter: resolved with `true` (or the entry) by a notice, `false` by its timer. */
interface Waiter {
  readonly resolve: (told: boolean | RedisStoredEntry) => void;
  readonly timer: NodeJS.Timeout;
}

/** `:`, the separator after a value notice's key length. */
const COLON = 0x3a;

/** The flight channel's subscriber of one store (see the file comment). */
export class FlightNotices {
  readonly #waiters = new Map<string, Set<Waiter>>();
  #client: Redis | undefined;
  #started = false;
  #closed = false;
  #subscribed = false;
  #attempts = 0;
  #retry: NodeJS.Timeout | undefined;

  /** The channel of notices that carry the entry written (see the file comment). */
  readonly valueChannel: string;
  readonly #channelBytes: Buffer;
  readonly #valueChannelBytes: Buffer;

  /**
   * @param channel - the flight channel
   * @param createSubscriber - a new, unconnected subscriber connection (the store's pub/sub hook)
   * @param decode - the entry of a stored envelope (`undefined` when it cannot be decoded)
   */
  constructor(
    private readonly channel: string,
    private readonly createSubscriber: () => Promise<Redis>,
    private readonly decode: (key: string, envelope: Buffer) => RedisStoredEntry | undefined,
  ) {
    this.valueChannel = `${channel}:values`;
    this.#channelBytes = Buffer.from(channel);
    this.#valueChannelBytes = Buffer.from(this.valueChannel);
  }

  /** `true` while the subscription is live (notices reach this process). */
  get listening(): boolean {
    return this.#subscribed;
  }

  /** Connect and subscribe, once. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#connect();
  }

  /**
   * Resolve on the next notice of `key` (`true`, or the entry when the notice carried it), or
   * after `timeoutMs` (`false`). Never rejects.
   */
  wait(key: string, timeoutMs: number): Promise<boolean | RedisStoredEntry> {
    if (this.#closed) return Promise.resolve(false);
    this.start();
    return new Promise<boolean | RedisStoredEntry>((resolve) => {
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) this.#waiters.set(key, (waiters = new Set()));
      const set = waiters;
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          set.delete(waiter);
          if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
          resolve(false);
        }, Math.max(0, timeoutMs)),
      };
      waiter.timer.unref();
      set.add(waiter);
    });
  }

  /** Wake every waiter and drop the subscriber. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscribed = false;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    for (const waiters of this.#waiters.values()) {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(false);
      }
    }
    this.#waiters.clear();
    const client = this.#client;
    this.#client = undefined;
    client?.disconnect();
  }

  #notice(key: string, envelope?: Buffer): void {
    const waiters = this.#waiters.get(key);
    if (waiters === undefined) return;
    this.#waiters.delete(key);
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      // Decoded for each waiter: each flight protects (freezes) the value it answers on its own.
      waiter.resolve((envelope !== undefined && this.decode(key, envelope)) || true);
    }
  }

  /** A value notice: `<key bytes>:<key><envelope>`. */
  #valueNotice(message: Buffer): void {
    const colon = message.indexOf(COLON);
    const length = colon > 0 ? Number(message.toString('latin1', 0, colon)) : NaN;
    if (!Number.isInteger(length) || colon + 1 + length > message.length) return; // not ours: the plain notice follows
    const key = message.toString('utf8', colon + 1, colon + 1 + length);
    if (this.#waiters.has(key)) this.#notice(key, message.subarray(colon + 1 + length));
  }

  #connect(): void {
    if (this.#closed) return;
    this.createSubscriber().then(
      (client) => {
        if (this.#closed) client.disconnect();
        else this.#attach(client);
      },
      () => this.#connectLater(),
    );
  }

  #connectLater(): void {
    if (this.#closed || this.#retry !== undefined) return;
    const delay = Math.min(100 * 2 ** this.#attempts++, MAX_RECONNECT_DELAY_MS);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect();
    }, delay);
    this.#retry.unref();
  }

  #attach(client: Redis): void {
    this.#client = client;
    client.on('error', noop); // reconnection is the client's business; waiters have timeouts
    client.on('ready', () => {
      if (this.#client !== client) return;
      client.subscribe(this.channel, this.valueChannel).then(() => {
        if (this.#client !== client || this.#closed) return;
        this.#attempts = 0;
        this.#subscribed = true;
      }, noop);
    });
    client.on('close', () => {
      if (this.#client === client) this.#subscribed = false;
    });
    client.on('end', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#subscribed = false;
      this.#connectLater(); // a Cluster node subscriber gave up: another node
    });
    client.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      if (this.#client !== client) return;
      if (channel.equals(this.#channelBytes)) this.#notice(message.toString());
      else if (channel.equals(this.#valueChannelBytes)) this.#valueNotice(message);
    });
    client.connect().catch(noop);
  }
}
