/**
 * The echo checker: every invocation's value must come back as the `echo` field of its
 * completion's value (for an `ok` op, the whole reply body).
 *
 * As in Maelstrom, `fail` and `info` completions are errors too: they keep the request string as
 * their value, which has no `echo` field.
 *
 * @module
 */
import type { CheckResult, Op } from "../types.ts";
import { jsonEqual, quote } from "../workloads/schema.ts";

/** Our addition: one mismatched echo, with the ops and the node, under `error-details`.
 *
 * @example
 * ```ts ignore
 * // { sent: "Please echo 5", received: { type: "echo_ok", echo: "Please echo 6", ... },
 * //   invoke: {...}, complete: {...}, node: "n1", explanation: "Op 0 sent ... to n1 but ..." }
 * ```
 */
export interface EchoErrorDetail {
  sent: unknown;
  /** The completion's whole value, `null` if the invocation never completed. */
  received: unknown;
  invoke: Op;
  complete: Op | null;
  node: string | null;
  explanation: string;
}

/** Checks an echo history. `errors` has Maelstrom's shape,
 * `["Expected a message with :echo", sent, "But received", received]`; `error-details` (ours)
 * carries the same mismatches with their ops, node and an explanation.
 *
 * @example
 * ```ts
 * import { checkEcho } from "./echo.ts";
 * const r = checkEcho([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "echo", value: "hi" },
 *   { index: 1, time: 5, type: "ok", process: 0, f: "echo", value: { type: "echo_ok", echo: "hi" } },
 * ]);
 * r["valid?"]; // true
 * ```
 */
export function checkEcho(history: readonly Op[]): CheckResult {
  // Pair each invocation with the next completion of the same process, in invocation order.
  const pairs: { invoke: Op; complete: Op | null }[] = [];
  const open = new Map<number, { invoke: Op; complete: Op | null }>();
  for (const op of history) {
    if (typeof op.process !== "number") continue;
    if (op.type === "invoke") {
      const pair = { invoke: op, complete: null };
      pairs.push(pair);
      open.set(op.process, pair);
    } else {
      const pair = open.get(op.process);
      if (pair === undefined) continue;
      pair.complete = op;
      open.delete(op.process);
    }
  }
  const errors: unknown[][] = [];
  const details: EchoErrorDetail[] = [];
  for (const { invoke, complete } of pairs) {
    const received = complete?.value ?? null;
    const echoed = received !== null && typeof received === "object" && !Array.isArray(received)
      ? (received as Record<string, unknown>).echo ?? null
      : null;
    if (jsonEqual(invoke.value, echoed)) continue;
    errors.push(["Expected a message with :echo", invoke.value, "But received", received]);
    const node = invoke.node ?? complete?.node ?? null;
    details.push({
      sent: invoke.value,
      received,
      invoke,
      complete,
      node,
      explanation: explain(invoke, complete, node),
    });
  }
  return { "valid?": errors.length === 0, errors, "error-details": details };
}

function explain(invoke: Op, complete: Op | null, node: string | null): string {
  const where = node === null ? "" : ` to ${node}`;
  const sent = `Op ${invoke.index} sent ${quote(invoke.value)}${where}`;
  if (complete === null) return `${sent} but never completed`;
  if (complete.type !== "ok") {
    return `${sent} but completed as ${complete.type} (op ${complete.index}) with error ` +
      `${quote(complete.error ?? null)}, so nothing was echoed`;
  }
  return `${sent} but the reply (op ${complete.index}) was ${quote(complete.value)}`;
}
