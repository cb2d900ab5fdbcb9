/**
 * A binary min-heap over a plain array, ordered by a `before` function: the virtual clock's event
 * queue and every network endpoint's delivery queue use it. Both need the earliest item first
 * with ties broken by insertion order, which each `before` encodes with a sequence number.
 *
 * @example
 * ```ts
 * import { heapPop, heapPush } from "./heap.ts";
 * const h: number[] = [];
 * const before = (a: number, b: number) => a < b;
 * for (const x of [5, 1, 3]) heapPush(h, x, before);
 * heapPop(h, before); // 1
 * heapPop(h, before); // 3
 * ```
 *
 * @module
 */

/** Adds `item` to the heap `h`. */
export function heapPush<T>(h: T[], item: T, before: (a: T, b: T) => boolean): void {
  h.push(item);
  let i = h.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(h[i], h[parent])) break;
    [h[i], h[parent]] = [h[parent], h[i]];
    i = parent;
  }
}

/** Removes and returns the first item of the heap `h` (`undefined` when it is empty). */
export function heapPop<T>(h: T[], before: (a: T, b: T) => boolean): T | undefined {
  if (h.length === 0) return undefined;
  const top = h[0];
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
  return top;
}
