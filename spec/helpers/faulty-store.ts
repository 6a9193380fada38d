import { memoryStore, type EntryKey, type Store, type StoredEntry, type StoreHealth, type StoreNotice, type StoreSetOptions, type StoreWrite } from '../../lib/index.js';

/**
 * A store that answers asynchronously like a remote one and can be told to fail: every operation
 * rejects while `failing` is set. Backed by a memory store, so that it also works when healthy.
 */
export class FaultyStore implements Store {
  readonly name = 'faulty';
  readonly sharesReferences = false;
  failing = false;
  readonly calls: string[] = [];
  private readonly inner = memoryStore();
  private noticeListener: ((notice: StoreNotice) => void) | undefined;

  private async run<T>(operation: string, action: () => T): Promise<T> {
    this.calls.push(operation);
    await Promise.resolve();
    if (this.failing) throw new Error(`${operation} failed: connection refused`);
    return action();
  }

  get(namespace: string, id: string): Promise<StoredEntry | undefined> {
    return this.run('get', () => this.inner.get(namespace, id));
  }
  getMany(keys: readonly EntryKey[]): Promise<Array<StoredEntry | undefined>> {
    return this.run('getMany', () => this.inner.getMany(keys));
  }
  set(namespace: string, id: string, value: unknown, options: StoreSetOptions): Promise<void> {
    return this.run('set', () => this.inner.set(namespace, id, structuredClone(value), options));
  }
  setMany(writes: readonly StoreWrite[]): Promise<void> {
    return this.run('setMany', () => this.inner.setMany(writes));
  }
  delete(namespace: string, id: string): Promise<boolean> {
    return this.run('delete', () => this.inner.delete(namespace, id));
  }
  deleteMany(keys: readonly EntryKey[]): Promise<number> {
    return this.run('deleteMany', () => this.inner.deleteMany(keys));
  }
  deleteNamespace(namespace: string): Promise<void> {
    return this.run('deleteNamespace', () => this.inner.deleteNamespace(namespace));
  }
  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.run('invalidateTags', () => this.inner.invalidateTags(tags));
  }
  clear(): Promise<void> {
    return this.run('clear', () => this.inner.clear());
  }
  async health(): Promise<StoreHealth> {
    return this.failing ? { ok: false, store: this.name, error: 'connection refused' } : { ok: true, store: this.name };
  }
  async close(): Promise<void> {
    await this.inner.close();
  }
  onNotice(listener: (notice: StoreNotice) => void): void {
    this.noticeListener = listener;
  }
  /** Report a notice as a real store would (e.g. an undecodable payload). */
  notify(notice: StoreNotice): void {
    this.noticeListener?.(notice);
  }
}
