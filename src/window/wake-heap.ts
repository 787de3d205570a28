/**
 * WakeHeap: an indexed binary min-heap of things that must wake at a time. Each item remembers
 * its own index, so moving a wake time or removing an item is O(log n) with no stale entries:
 * one heap serves 100k windows with a single timer for its head.
 */

export interface Wakeable {
  /** When the item wants to wake (ms); meaningful while it is in the heap. */
  wakeAt: number;
  /** Position in the heap, -1 when not in it. Owned by the heap. */
  heapIndex: number;
}

export class WakeHeap<T extends Wakeable> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Inserts `item` to wake at `at`, or moves it there if it is already in the heap. */
  schedule(item: T, at: number): void {
    if (!this.has(item)) {
      item.wakeAt = at;
      item.heapIndex = this.items.length;
      this.items.push(item);
      this.up(item.heapIndex);
      return;
    }
    const earlier = at < item.wakeAt;
    item.wakeAt = at;
    if (earlier) this.up(item.heapIndex);
    else this.down(item.heapIndex);
  }

  remove(item: T): void {
    if (!this.has(item)) return;
    const i = item.heapIndex;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  /** Removes and returns the earliest item if it wakes at or before `now`. */
  popDue(now: number): T | undefined {
    const top = this.items[0];
    if (!top || top.wakeAt > now) return undefined;
    this.remove(top);
    return top;
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.wakeAt <= item.wakeAt) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && items[child + 1]!.wakeAt < items[child]!.wakeAt) child++;
      const c = items[child]!;
      if (c.wakeAt >= item.wakeAt) break;
      items[i] = c;
      c.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
