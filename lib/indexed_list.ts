// A list kept as an insertion-ordered map, as /run/netns is (net_namespace_list is lib/net_list.ts): unlinking one
// entry costs O(1), as list_del_rcu does, and the array the state file holds is a view of the map,
// rebuilt by the first read after an unlink (a read walks the whole list anyway). The map itself
// is built at the first lookup, so a command that only reads the list never builds it.
import type { EngineWork } from './work.js';

export class IndexedList<K, V> {
  private map: Map<K, V> | undefined;
  /** The list as an array; undefined after an unlink until the next read. Never undefined with `map`. */
  private view: V[] | undefined;

  constructor(
    initial: V[],
    private readonly keyOf: (value: V) => K,
    private readonly work: EngineWork,
  ) {
    this.view = initial;
  }

  private get byKey(): Map<K, V> {
    if (!this.map) {
      const map = new Map<K, V>();
      for (const value of this.view!) map.set(this.keyOf(value), value);
      this.map = map;
    }
    return this.map;
  }

  get(key: K): V | undefined {
    return this.byKey.get(key);
  }

  has(key: K): boolean {
    return this.byKey.has(key);
  }

  /** The entries in list order, without building the view. */
  values(): IterableIterator<V> {
    return this.byKey.values();
  }

  /** Appends at the tail. */
  add(value: V): void {
    this.byKey.set(this.keyOf(value), value);
    this.view?.push(value);
  }

  /** Unlinks value. The newest entry goes without a rebuild of the view (as -all delete's batch ends). */
  delete(value: V): void {
    this.byKey.delete(this.keyOf(value));
    const view = this.view;
    if (view && view[view.length - 1] === value) view.pop();
    else this.view = undefined;
  }

  /** The list as an array, in insertion order. */
  list(): V[] {
    if (!this.view) {
      this.view = [...this.byKey.values()];
      this.work.moved += this.view.length;
    }
    return this.view;
  }
}
