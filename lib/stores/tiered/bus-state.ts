/**
 * State of a tiered store's invalidation bus; L1 is served only while it is `up`.
 *
 * - `idle`: not started (nothing used the store yet)
 * - `connecting`: first connection and subscription under way
 * - `up`: subscribed; every invalidation published from now on reaches this process
 * - `down`: the subscription was lost or could not be made; reconnecting
 * - `closed`
 */
export type BusState = 'idle' | 'connecting' | 'up' | 'down' | 'closed';
