import { Flight } from './flight.js';

/** Namespaces whose emptied flight maps are kept for reuse. */
const KEPT_EMPTY_NAMESPACES = 32;

/**
 * The loads in flight of one cache, by namespace then id: a lookup never builds the joined key,
 * and clearing a namespace supersedes its flights without scanning the others.
 */
export class FlightTable {
  readonly #byNamespace = new Map<string, Map<string, Flight>>();
  /** Flights in the table. */
  size = 0;

  /** The flight of `id` in `namespace`, if one is in the table. */
  get(namespace: string, id: string): Flight | undefined {
    return this.size === 0 ? undefined : this.#byNamespace.get(namespace)?.get(id);
  }

  /** Enter `flight` for `id` in `namespace` (no flight of that key may be in the table). */
  add(namespace: string, id: string, flight: Flight): void {
    let flights = this.#byNamespace.get(namespace);
    if (flights === undefined) {
      flights = new Map();
      this.#byNamespace.set(namespace, flights);
    }
    flights.set(id, flight);
    this.size++;
  }

  /** Take `flight` out of the table, if it is still the one of its key. */
  end(namespace: string, id: string, flight: Flight): void {
    const flights = this.#byNamespace.get(namespace);
    if (flights === undefined || flights.get(id) !== flight) return;
    flights.delete(id);
    this.size--;
    // An emptied namespace keeps its map for its next load, unless namespaces are many (keys
    // given directly may have any number of them).
    if (flights.size === 0 && this.#byNamespace.size > KEPT_EMPTY_NAMESPACES) this.#byNamespace.delete(namespace);
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
    const flights = this.#byNamespace.get(namespace);
    if (flights === undefined) return;
    for (const flight of flights.values()) flight.superseded = true;
    this.size -= flights.size;
    this.#byNamespace.delete(namespace);
  }

  /** {@link supersede} every flight. */
  supersedeAll(): void {
    for (const namespace of [...this.#byNamespace.keys()]) this.supersedeNamespace(namespace);
  }
}
