/**
 * The big, seeded request loads on the services that `kv_test.ts` checks for answers and that
 * `deno task bench:checkers` times, kept in one module so that both use the same load.
 *
 * @module
 */
import type { Service } from "../types.ts";

/** One read of {@linkcode manyKeysLoad}: which key (by number) and what the service answered. */
export interface LoadRead {
  key: number;
  reply: Record<string, unknown> | undefined;
}

/**
 * Many keys and many state changes: n0 writes `keys` keys (`k0` holds 0, `k1` holds 1, ...), then
 * five nodes send `requests` more requests round-robin over the keys, one write in three. Every
 * value written to `k<j>` is congruent to `j` modulo `keys`, so a reader can tell that a value
 * came from the right key. Returns how many requests were sent and every read's reply.
 *
 * @example
 * ```ts
 * import { manyKeysLoad } from "./testing_load.ts";
 * import { createService } from "./kv.ts";
 * import { createRng } from "../rng.ts";
 * const { requests, reads } = manyKeysLoad(createService("seq-kv", createRng(5)), 50, 500);
 * requests; // 550
 * reads.length; // 333
 * ```
 */
export function manyKeysLoad(
  service: Service,
  keys = 5000,
  requests = 50_000,
): { requests: number; reads: LoadRead[] } {
  const reads: LoadRead[] = [];
  for (let i = 0; i < keys; i++) service.handle("n0", { type: "write", key: `k${i}`, value: i });
  for (let i = 0; i < requests; i++) {
    const node = `n${i % 5}`;
    const key = i % keys;
    if (i % 3 === 0) service.handle(node, { type: "write", key: `k${key}`, value: i });
    else reads.push({ key, reply: service.handle(node, { type: "read", key: `k${key}` }) });
  }
  return { requests: keys + requests, reads };
}
