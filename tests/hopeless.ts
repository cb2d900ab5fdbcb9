/**
 * Which fault runs no program could pass. Under `--nemesis kill,pause` the nemesis may take every
 * node down at the start and bring none back before `--time-limit` (Maelstrom's schedule allows
 * it: a `kill` of `all` at time 0, and the next `start` drawn past the limit). Then every request
 * of the main phase times out, and Maelstrom's stats checker fails the run for an operation that
 * never succeeded, whatever the nodes do. Crash tests leave such seeds out by this test, and
 * only by it.
 *
 * @module
 */
import { faultSpansOf } from "../harness/nemesis.ts";
import type { Op } from "../harness/types.ts";

/** True when every main-phase client request of `history` was sent to a node that was dead or
 * paused at that moment, so no answer was possible. Final-phase requests (`final: true`) are left
 * out: nodes are back by then.
 *
 * @example
 * ```ts
 * import { everyRequestMetADownNode } from "./hopeless.ts";
 * everyRequestMetADownNode([
 *   { index: 0, time: 0, type: "info", process: "nemesis", f: "kill", value: { n0: "killed" } },
 *   { index: 1, time: 1e9, type: "invoke", process: 0, f: "read", value: null, node: "n0" },
 * ]); // true
 * ```
 */
export function everyRequestMetADownNode(history: readonly Op[]): boolean {
  const endMs = Math.max(0, ...history.map((op) => op.time / 1e6)) + 1;
  const spans = faultSpansOf(history, endMs);
  const requests = history.filter((op) =>
    op.type === "invoke" && op.process !== "nemesis" && op.final !== true
  );
  return requests.length > 0 && requests.every((op) => {
    const ms = op.time / 1e6;
    return spans.some((s) => s.node === op.node && s.startMs <= ms && ms < s.endMs);
  });
}
