/**
 * The invalidation bus of the tiered store: Redis pub/sub on one channel per L2 prefix (and
 * database). Each process publishes what it wrote or dropped, through the L2 store's connection
 * once the L2 operation has settled (so a process that hears the message and reads L2 again reads
 * the new state), and listens on a dedicated subscriber connection (a subscribed connection cannot
 * run the store's commands).
 *
 * The bus is "up" only while its subscription is known to be live: from the SUBSCRIBE reply on a
 * connection until that connection closes or misses a heartbeat PING (a half-open socket or a
 * hung server is otherwise silent). Messages published while it is not up are lost to this
 * process, so the owner bounds how long L1 answers when the bus goes down (`outageStaleness`)
 * and clears it when the bus comes up again. The subscriber reconnects by itself (ioredis' retry
 * strategy; a Cluster node subscriber that gives up is replaced by a connection to another node).
 *
 * Publishing never throws and never delays an operation: the invalidations of one tick go out as
 * one message, and a failed PUBLISH is retried a few times with backoff (merged with later
 * failures), then given up and counted. Nothing here can raise an unhandled rejection or an
 * "Unhandled error event".
 */
import type { Redis } from 'ioredis';
import type { RedisPubSub } from '../redis/store.js';
import { redactUrl } from '../redis/options.js';
import type { EntryKey } from '../store.js';
import type { BusState } from './bus-state.js';
import { decodeMessage, INVALIDATE_ALL, type Invalidation, PendingInvalidation } from './message.js';


/** What the bus tells its owner. */
export interface BusListener {
  /** The subscription is live (again): messages from before may have been missed. */
  up(): void;
  /** The subscription was lost: messages may be missed from now on. */
  down(): void;
  /** Another process invalidated something (or sent a message this one cannot read: `all`). */
  message(invalidation: Invalidation): void;
}

/** Counters of the bus, for health and monitoring. */
export interface BusStats {
  readonly state: BusState;
  /** Messages received from other processes. */
  readonly received: number;
  /** Messages that could not be read (each dropped the whole L1). */
  readonly unreadable: number;
  /** Messages published. */
  readonly published: number;
  /** PUBLISH attempts that failed (retried). */
  readonly publishFailures: number;
  /** Invalidations given up after every retry failed (other processes may keep stale L1 copies). */
  readonly abandoned: number;
  /** Times the subscription went down after having been up. */
  readonly losses: number;
  /** `true` while failed invalidations wait for a retry. */
  readonly retrying: boolean;
}

/** Delays of the PUBLISH retries; after the last one fails, the invalidation is given up. */
const PUBLISH_RETRY_DELAYS_MS: readonly number[] = [100, 400, 1_600, 6_400, 25_600];
/** Longest pause between two attempts to create a subscriber connection. */
const MAX_RECONNECT_DELAY_MS = 2_000;

const noop = (): void => undefined;

function messageOf(error: unknown): string {
  return redactUrl(error instanceof Error ? error.message : String(error));
}

/** The invalidation bus of one tiered store (see the file comment). */
export class InvalidationBus {
  /** The channel every process sharing the L2 prefix listens on. */
  readonly channel: string;
  #state: BusState = 'idle';
  #client: Redis | undefined;
  #creating = false;
  #connectAttempts = 0;
  #connectTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #pingOutstanding = false;
  #subscribeSeq = 0;
  #lastError: string | undefined;
  #lastPublishError: string | undefined;

  #pending: PendingInvalidation | undefined;
  #backlog: PendingInvalidation | undefined;
  #backlogAttempt = 0;
  #backlogTimer: NodeJS.Timeout | undefined;
  readonly #publishing = new Set<Promise<void>>();
  readonly #flush = (): void => this.#sendPending();

  #received = 0;
  #unreadable = 0;
  #published = 0;
  #publishFailures = 0;
  #abandoned = 0;
  #losses = 0;

  /**
   * @param pubSub - the L2 store's pub/sub hook
   * @param channel - the channel name
   * @param instanceId - identifies this process's messages (it ignores them)
   * @param heartbeatMs - interval of the subscriber's PING check
   * @param listener - told of state changes and messages
   */
  constructor(
    private readonly pubSub: RedisPubSub,
    channel: string,
    private readonly instanceId: string,
    private readonly heartbeatMs: number,
    private readonly listener: BusListener,
  ) {
    this.channel = channel;
  }

  get state(): BusState {
    return this.#state;
  }

  /** Why the subscription is not up, when it is not (never contains a password). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** The last PUBLISH failure, if any (never contains a password). */
  get lastPublishError(): string | undefined {
    return this.#lastPublishError;
  }

  get stats(): BusStats {
    return {
      state: this.#state,
      received: this.#received,
      unreadable: this.#unreadable,
      published: this.#published,
      publishFailures: this.#publishFailures,
      abandoned: this.#abandoned,
      losses: this.#losses,
      retrying: this.#backlog !== undefined,
    };
  }

  /** Connect and subscribe, once (later calls do nothing). */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'connecting';
    this.#heartbeat = setInterval(() => this.#beat(), this.heartbeatMs);
    this.#heartbeat.unref();
    this.#connect();
  }

  // --- publishing ---------------------------------------------------------------------------

  /** Tell the other processes to drop these entries (sent at the end of the tick). */
  keys(keys: readonly EntryKey[]): void {
    this.#gather().addKeys(keys);
  }

  /** Tell the other processes to drop a namespace. */
  namespace(namespace: string): void {
    this.#gather().addNamespace(namespace);
  }

  /** Tell the other processes to drop the entries carrying these tags. */
  tags(tags: readonly string[]): void {
    this.#gather().addTags(tags);
  }

  /** Tell the other processes to drop their whole L1. */
  all(): void {
    this.#gather().addAll();
  }

  #gather(): PendingInvalidation {
    if (this.#pending === undefined) {
      this.#pending = new PendingInvalidation();
      process.nextTick(this.#flush);
    }
    return this.#pending;
  }

  #sendPending(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined && !pending.empty) this.#send(pending);
  }

  /** Publish `invalidation`; on failure, keep it in the backlog for a retry. */
  #send(invalidation: PendingInvalidation): Promise<void> {
    const sent = Promise.all(invalidation.encode(this.instanceId).map((message) => this.pubSub.publish(this.channel, message))).then(
      (counts) => {
        this.#published += counts.length;
      },
      (error: unknown) => {
        this.#publishFailures++;
        this.#lastPublishError = messageOf(error);
        this.#keepForRetry(invalidation);
      },
    );
    this.#publishing.add(sent);
    void sent.then(() => this.#publishing.delete(sent));
    return sent;
  }

  /** Merge a failed invalidation into the backlog, retried with backoff, then given up. */
  #keepForRetry(invalidation: Invalidation): void {
    if (this.#state === 'closed') {
      this.#abandoned++;
      return;
    }
    (this.#backlog ??= new PendingInvalidation()).merge(invalidation);
    if (this.#backlogTimer !== undefined) return;
    const delay = PUBLISH_RETRY_DELAYS_MS[this.#backlogAttempt];
    if (delay === undefined) {
      this.#backlog = undefined;
      this.#backlogAttempt = 0;
      this.#abandoned++;
      return;
    }
    this.#backlogAttempt++;
    this.#backlogTimer = setTimeout(() => this.#retryBacklog(), delay);
    this.#backlogTimer.unref();
  }

  #retryBacklog(): void {
    if (this.#backlogTimer !== undefined) clearTimeout(this.#backlogTimer);
    this.#backlogTimer = undefined;
    const backlog = this.#backlog;
    this.#backlog = undefined;
    if (backlog === undefined) return;
    void this.#send(backlog).then(() => {
      if (this.#backlog === undefined) this.#backlogAttempt = 0; // it went through
    });
  }

  // --- the subscriber -----------------------------------------------------------------------

  #connect(): void {
    if (this.#state === 'closed' || this.#creating || this.#client !== undefined) return;
    this.#creating = true;
    this.pubSub.createSubscriber().then(
      (client) => {
        this.#creating = false;
        if (this.#state === 'closed') client.disconnect();
        else this.#attach(client);
      },
      (error: unknown) => {
        this.#creating = false;
        this.#lastError = messageOf(error);
        this.#connectLater();
      },
    );
  }

  #connectLater(): void {
    if (this.#state === 'closed' || this.#connectTimer !== undefined) return;
    const delay = Math.min(100 * 2 ** this.#connectAttempts, MAX_RECONNECT_DELAY_MS);
    this.#connectAttempts++;
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = undefined;
      this.#connect();
    }, delay);
    this.#connectTimer.unref();
  }

  #attach(client: Redis): void {
    this.#client = client;
    client.on('error', (error: Error) => {
      if (this.#client === client) this.#lastError = messageOf(error);
    });
    client.on('ready', () => {
      if (this.#client === client) this.#subscribe(client);
    });
    client.on('close', () => {
      if (this.#client === client) this.#lost();
    });
    client.on('end', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#lost();
      this.#connectLater(); // a Cluster node subscriber gave up: another node
    });
    client.on('message', (channel: string, message: string) => {
      if (this.#client === client && channel === this.channel) this.#receive(message);
    });
    client.connect().catch(noop); // failures reach 'error'; the retry strategy reconnects
  }

  #subscribe(client: Redis): void {
    const attempt = ++this.#subscribeSeq;
    client.subscribe(this.channel).then(
      () => {
        if (this.#client !== client || attempt !== this.#subscribeSeq || client.status !== 'ready' || this.#state === 'closed') return;
        this.#connectAttempts = 0;
        this.#pingOutstanding = false;
        this.#lastError = undefined;
        this.#state = 'up';
        this.listener.up();
        if (this.#backlog !== undefined) {
          // Redis is reachable again: retry now, and start the backoff over
          this.#backlogAttempt = 0;
          this.#retryBacklog();
        }
      },
      (error: unknown) => {
        if (this.#client !== client || this.#state === 'closed') return;
        this.#lastError = `SUBSCRIBE ${this.channel} failed: ${messageOf(error)}`;
        // e.g. an ACL without pub/sub rights: try again later on a fresh connection
        const retry = setTimeout(() => {
          if (this.#client === client && client.status === 'ready') client.disconnect(true);
        }, Math.min(100 * 2 ** this.#connectAttempts++, MAX_RECONNECT_DELAY_MS));
        retry.unref();
      },
    );
  }

  /** The subscription is not live any more. */
  #lost(): void {
    this.#pingOutstanding = false;
    if (this.#state === 'closed') return;
    const wasUp = this.#state === 'up';
    this.#state = 'down';
    if (wasUp) {
      this.#losses++;
      this.listener.down();
    }
  }

  /** Heartbeat: a PING not answered by the next beat means the connection is gone. */
  #beat(): void {
    const client = this.#client;
    if (this.#state !== 'up' || client === undefined) return;
    if (this.#pingOutstanding) {
      this.#lastError = `the subscriber connection did not answer a PING within ${this.heartbeatMs} ms`;
      this.#lost();
      client.disconnect(true); // a fresh connection subscribes again on 'ready'
      return;
    }
    this.#pingOutstanding = true;
    client.ping().then(() => {
      if (this.#client === client) this.#pingOutstanding = false;
    }, noop);
  }

  #receive(text: string): void {
    const message = decodeMessage(text);
    if (message === undefined) {
      this.#unreadable++;
      this.listener.message(INVALIDATE_ALL);
      return;
    }
    if (message.from === this.instanceId) return;
    this.#received++;
    this.listener.message(message.invalidation);
  }

  // --- closing ------------------------------------------------------------------------------

  /**
   * Send the invalidations gathered so far (and retry the backlog once), then drop the
   * subscriber. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#sendPending();
    if (this.#backlogTimer !== undefined) {
      clearTimeout(this.#backlogTimer);
      this.#backlogTimer = undefined;
    }
    const backlog = this.#backlog;
    this.#backlog = undefined;
    if (backlog !== undefined) void this.#send(backlog); // one last try
    this.#state = 'closed';
    await Promise.all([...this.#publishing]);
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    const client = this.#client;
    this.#client = undefined;
    client?.disconnect();
  }
}
