import type { Flight } from './flight.js';

/**
 * Flights kept in the short list before the table overflows into maps. Loads in flight at once
 * are usually few, and a scan of a few entries (a string comparison is a length and hash check
 * on keys that are hashed already) costs less than a Map's insert and delete per miss.
 */
const LIST_LENGTH = 8;

/** Namespaces whose emptied overflow maps are kept for reuse. */
const KEPT_EMPTY_NAMESPACES = 32;

/**
 * The loads in flight of one cache, by namespace and id: a short list first, maps by namespace
 * then id past it. A lookup never builds the joined key, and clearing a namespace supersedes its
 * flights without scanning the others' maps.
 */
export class FlightTable {
  readonly #namespaces: string[] = [];
  readonly #ids: string[] = [];
  readonly #flights: Flight[] = [];
  /** Flights past the list, by namespace then id. */
  readonly #overflow = new Map<string, Map<string, Flight>>();
  /** Flights in the table. */
  size = 0;

  /** The flight of `id` in `namespace`, if one is in the table. */
  get(namespace: string, id: string): Flight | undefined {
    if (this.size === 0) return undefined;
    const at = this.#indexOf(namespace, id);
    if (at !== -1) return this.#flights[at];
    return this.size > this.#ids.length ? this.#overflow.get(namespace)?.get(id) : undefined;
  }

  /** Enter `flight` for `id` in `namespace` (no flight of that key may be in the table). */
  add(namespace: string, id: string, flight: Flight): void {
    this.size++;
    if (this.#ids.length < LIST_LENGTH) {
      this.#namespaces.push(namespace);
      this.#ids.push(id);
      this.#flights.push(flight);
      return;
    }
    let flights = this.#overflow.get(namespace);
    if (flights === undefined) {
      flights = new Map();
      this.#overflow.set(namespace, flights);
    }
    flights.set(id, flight);
  }

  /** Take `flight` out of the table, if it is still the one of its key. */
  end(namespace: string, id: string, flight: Flight): void {
    const at = this.#indexOf(namespace, id);
    if (at !== -1) {
      if (this.#flights[at] === flight) this.#removeAt(at);
      return;
    }
    const flights = this.#overflow.get(namespace);
    if (flights === undefined || flights.get(id) !== flight) return;
    flights.delete(id);
    this.size--;
    // An emptied namespace keeps its map for its next overflow, unless namespaces are many (keys
    // given directly may have any number of them).
    if (flights.size === 0 && this.#overflow.size > KEPT_EMPTY_NAMESPACES) this.#overflow.delete(namespace);
  }

  /** Mark the flight of one key superseded (its result will not be stored) and forget it. */
  supersede(namespace: string, id: string): void {
    const flight = this.get(namespace, id);
    if (flight === undefined) return;
    flight.superseded = true;
    this.end(namespace, id, flight);
  }

  /** {@link supersede} every flight of `namespace`. */
  supersedeNamespace(namespace: string): void {
    for (let at = this.#ids.length - 1; at >= 0; at--) {
      if (this.#namespaces[at] !== namespace) continue;
      (this.#flights[at] as Flight).superseded = true;
      this.#removeAt(at);
    }
    const flights = this.#overflow.get(namespace);
    if (flights === undefined) return;
    for (const flight of flights.values()) flight.superseded = true;
    this.size -= flights.size;
    this.#overflow.delete(namespace);
  }

  /**
   * {@link supersede} every flight whose load is done but whose write is still pending (or still
   * being decided by async `unless`/tags): after a tag invalidation, a caller must not join a
   * value loaded before it, since the flight's tags may be among the invalidated ones.
   */
  supersedeWriting(): void {
    for (let at = this.#ids.length - 1; at >= 0; at--) {
      const flight = this.#flights[at] as Flight;
      if (flight.write === undefined) continue;
      flight.superseded = true;
      this.#removeAt(at);
    }
    for (const [namespace, flights] of this.#overflow) {
      for (const [id, flight] of flights) {
        if (flight.write === undefined) continue;
        flight.superseded = true;
        flights.delete(id);
        this.size--;
      }
      if (flights.size === 0 && this.#overflow.size > KEPT_EMPTY_NAMESPACES) this.#overflow.delete(namespace);
    }
  }

  /** {@link supersede} every flight. */
  supersedeAll(): void {
    for (const flight of this.#flights) flight.superseded = true;
    this.#namespaces.length = this.#ids.length = this.#flights.length = 0;
    for (const flights of this.#overflow.values()) for (const flight of flights.values()) flight.superseded = true;
    this.#overflow.clear();
    this.size = 0;
  }

  #indexOf(namespace: string, id: string): number {
    const ids = this.#ids;
    for (let at = 0; at < ids.length; at++) if (ids[at] === id && this.#namespaces[at] === namespace) return at;
    return -1;
  }

  /** Remove list entry `at`, moving the last entry into its place. */
  #removeAt(at: number): void {
    const last = this.#ids.length - 1;
    if (at !== last) {
      this.#namespaces[at] = this.#namespaces[last] as string;
      this.#ids[at] = this.#ids[last] as string;
      this.#flights[at] = this.#flights[last] as Flight;
    }
    this.#namespaces.pop();
    this.#ids.pop();
    this.#flights.pop();
    this.size--;
  }
}
