/**
 * Client ops as spans of time: each invocation paired with its process's next completion. The
 * console summary (`results.ts`) and the HTML report (`report/`) both read histories this way.
 *
 * @module
 */
import type { Op } from "./types.ts";

/** One client op: its invocation and, unless the test ended first, its completion.
 *
 * @example
 * ```ts
 * import type { OpSpan } from "./ops.ts";
 * const invoke = { index: 0, time: 0, type: "invoke" as const, process: 0, f: "read", value: null };
 * const pending: OpSpan = { invoke, type: "pending", startMs: 0, endMs: 5 };
 * ```
 */
export interface OpSpan {
  invoke: Op;
  done?: Op;
  /** The completion's type, or `pending` when the op never completed. */
  type: "ok" | "fail" | "info" | "pending";
  startMs: number;
  /** Completion time; for a pending op, the end of the run. */
  endMs: number;
}

/** Pairs each client invocation with the next completion of the same process.
 *
 * @example
 * ```ts
 * import { pairOps } from "./ops.ts";
 * const { spans } = pairOps([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "read", value: null },
 *   { index: 1, time: 2e6, type: "ok", process: 0, f: "read", value: [] },
 * ], 5);
 * spans[0].endMs; // 2
 * ```
 */
export function pairOps(
  history: readonly Op[],
  endMs: number,
): { spans: OpSpan[]; spanOf: (OpSpan | undefined)[] } {
  const spans: OpSpan[] = [];
  const spanOf: (OpSpan | undefined)[] = new Array(history.length);
  const open = new Map<number, OpSpan>();
  history.forEach((op, i) => {
    if (typeof op.process !== "number") return;
    if (op.type === "invoke") {
      const span: OpSpan = { invoke: op, type: "pending", startMs: op.time / 1e6, endMs };
      open.set(op.process, span);
      spans.push(span);
      spanOf[i] = span;
      return;
    }
    const span = open.get(op.process);
    if (!span) return;
    open.delete(op.process);
    span.done = op;
    span.type = op.type;
    span.endMs = op.time / 1e6;
    spanOf[i] = span;
  });
  return { spans, spanOf };
}
