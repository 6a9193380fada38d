/**
 * State of a tiered store's invalidation bus; while it is not `up`, L1 answers within `outageStaleness` only.
 *
 * - `idle`: not started (nothing used the store yet)
 * - `connecting`: first connection and subscription under way
 * - `up`: subscribed; every invalidation published from now on reaches this process
 * - `down`: the subscription was lost or could not be made; reconnecting
 * - `closed`
 */
export type BusState = 'idle' | 'connecting' | 'up' | 'down' | 'closed';
