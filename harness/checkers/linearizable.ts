/**
 * A linearizability checker for independent compare-and-set registers, the check behind the lin-kv
 * workload: the history is split by key, and each key's ops are checked against a register that
 * starts as `null` (Knossos' `cas-register` model).
 *
 * Model: `write v` sets the register; `cas [from, to]` is legal only when the register equals
 * `from` (by JSON value) and then sets it to `to`; `read v` is legal when the register equals `v`,
 * and a read of `null` is always legal. `fail` ops are ignored; `info` ops (and invocations that
 * never completed) may or may not have taken effect, at any time after their invocation.
 *
 * Search: Wing and Gong's algorithm with Lowe's memoisation (WGL). Calls and returns form a linked
 * list in history order; the search repeatedly linearizes a call that precedes the first pending
 * return, backtracking when it reaches a return whose op could not be placed. A configuration (the
 * set of linearized ops plus the register's value) is visited at most once. The set is encoded
 * exactly and compactly: with `R` the first return still in the list, every `ok` op returning
 * before `R` is necessarily linearized and every op invoked after `R` is not, so `R`, the register
 * and the linearized ops returning after `R` identify the configuration.
 *
 * The search has a work budget; when it runs out the key's verdict is `"unknown"`.
 *
 * @module
 */
import { type CheckResult, mergeValid, type Op } from "../types.ts";
import { jsonKey, quote } from "../workloads/schema.ts";

/** Limits on the work spent per key.
 *
 * @example
 * ```ts
 * import type { LinearizableOptions } from "./linearizable.ts";
 * const small: LinearizableOptions = { maxSteps: 10_000 };
 * ```
 */
export interface LinearizableOptions {
  /** How many times the search may try to linearize an op, per key. Default 5 000 000 (a few
   * seconds). */
  maxSteps?: number;
  /** The same, summed over all keys, so that a history with many hard keys still ends. Keys
   * checked after it runs out get `"unknown"`. Default 50 000 000. */
  maxTotalSteps?: number;
  /** How many distinct configurations the search may remember, per key (memory). Default
   * 2 000 000. */
  maxConfigs?: number;
}

const DEFAULT_MAX_STEPS = 5_000_000;
const DEFAULT_MAX_TOTAL_STEPS = 50_000_000;
const DEFAULT_MAX_CONFIGS = 2_000_000;

/** How many distinct register values to report at the point where an invalid search got stuck. */
const MAX_REPORTED_STATES = 8;

/** Checks that each key of a lin-kv history is a linearizable compare-and-set register.
 *
 * Client ops carry `[k, v]` values: `read` `[k, null]` on invocation and `[k, v]` on completion,
 * `write` `[k, v]`, `cas` `[k, [from, to]]`. Ops whose process is not an integer (nemesis) are
 * skipped. The result follows Jepsen's independent checker: `{"valid?", results: {key: result},
 * failures: [keys whose verdict is not true]}`. Result keys are the key itself for strings and its
 * JSON text otherwise. An invalid key's result explains which op could not be placed and what the
 * register held at that point.
 *
 * @throws Error when the history is not well formed (a value that is not a `[k, v]` tuple, an
 * unknown `f`, a completion without an invocation).
 *
 * @example
 * ```ts
 * import { checkLinearizableRegister } from "./linearizable.ts";
 * const r = checkLinearizableRegister([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "write", value: [0, 1] },
 *   { index: 1, time: 1, type: "ok", process: 0, f: "write", value: [0, 1] },
 *   { index: 2, time: 2, type: "invoke", process: 1, f: "read", value: [0, null] },
 *   { index: 3, time: 3, type: "ok", process: 1, f: "read", value: [0, 0] },
 * ]);
 * r["valid?"]; // false: the read of 0 follows the write of 1
 * ```
 */
export function checkLinearizableRegister(
  history: readonly Op[],
  options: LinearizableOptions = {},
): CheckResult {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const maxConfigs = options.maxConfigs ?? DEFAULT_MAX_CONFIGS;
  let totalLeft = options.maxTotalSteps ?? DEFAULT_MAX_TOTAL_STEPS;
  const keys = splitByKey(history);
  const results: Record<string, CheckResult> = {};
  const failures: unknown[] = [];
  for (const keyOps of keys.values()) {
    const key = keyOps.key;
    const name = typeof key === "string" ? key : jsonKey(key);
    const budget = { maxSteps: Math.min(maxSteps, totalLeft), maxConfigs, steps: 0 };
    const result = checkKey(name, keyOps, budget);
    totalLeft = Math.max(0, totalLeft - budget.steps);
    results[name] = result;
    if (result["valid?"] !== true) failures.push(key);
  }
  return {
    "valid?": mergeValid(Object.values(results).map((r) => r["valid?"])),
    results,
    failures,
  };
}

// ---------------------------------------------------------------------------------------------
// Preparing the history

/** One register operation as the search sees it. */
interface RegOp {
  f: "read" | "write" | "cas";
  /** Read: the value read. Write: the value written. Cas: `from`. As interned state ids. */
  a: number;
  /** Cas: `to`. Unused otherwise. */
  b: number;
  /** The op's outcome is unknown: it may be left out, and it has no return deadline. */
  info: boolean;
  invoke: Op;
  complete: Op | undefined;
  /** Position of the invocation and of the completion in the history (Infinity when info). */
  callPos: number;
  retPos: number;
  /** Linked-list nodes of the call and return events, set by the search. */
  callNode: number;
  retNode: number;
}

/** The ops of one key, with its register values interned as small integers. */
interface KeyOps {
  key: unknown;
  ops: RegOp[];
  /** Interned values: id → the JSON value. Id 0 is `null`, the initial state. */
  values: unknown[];
  ids: Map<string, number>;
}

function tuple(op: Op): [unknown, unknown] {
  const v = op.value;
  if (!Array.isArray(v) || v.length !== 2) {
    throw new Error(
      `Expected a [key, value] tuple at history index ${op.index}, got ${quote(v)}`,
    );
  }
  return [v[0], v[1]];
}

function intern(k: KeyOps, value: unknown): number {
  const text = jsonKey(value);
  let id = k.ids.get(text);
  if (id === undefined) {
    id = k.values.length;
    k.values.push(value);
    k.ids.set(text, id);
  }
  return id;
}

function splitByKey(history: readonly Op[]): Map<string, KeyOps> {
  const byKey = new Map<string, KeyOps>();
  const keyOps = (key: unknown): KeyOps => {
    const id = jsonKey(key);
    let k = byKey.get(id);
    if (k === undefined) {
      k = { key, ops: [], values: [null], ids: new Map([["null", 0]]) };
      byKey.set(id, k);
    }
    return k;
  };
  const pending = new Map<number, { invoke: Op; pos: number }>();
  const add = (invoke: Op, callPos: number, complete: Op | undefined, retPos: number) => {
    const [key, invokeValue] = tuple(invoke);
    const info = complete === undefined || complete.type === "info";
    const k = keyOps(key);
    const base = { invoke, complete, callPos, retPos: info ? Infinity : retPos, info };
    switch (invoke.f) {
      case "read": {
        // A read whose outcome is unknown says nothing, and a read of null is always legal.
        if (info || complete === undefined) return;
        const read = tuple(complete)[1];
        if (read === null) return;
        k.ops.push({ ...base, f: "read", a: intern(k, read), b: 0, callNode: 0, retNode: 0 });
        return;
      }
      case "write":
        k.ops.push({
          ...base,
          f: "write",
          a: intern(k, invokeValue),
          b: 0,
          callNode: 0,
          retNode: 0,
        });
        return;
      case "cas": {
        if (!Array.isArray(invokeValue) || invokeValue.length !== 2) {
          throw new Error(
            `Expected a cas value [key, [from, to]] at history index ${invoke.index}, got ${
              quote(invoke.value)
            }`,
          );
        }
        k.ops.push({
          ...base,
          f: "cas",
          a: intern(k, invokeValue[0]),
          b: intern(k, invokeValue[1]),
          callNode: 0,
          retNode: 0,
        });
        return;
      }
      default:
        throw new Error(
          `Unexpected f ${JSON.stringify(invoke.f)} at history index ${invoke.index}; ` +
            `expected "read", "write" or "cas"`,
        );
    }
  };
  history.forEach((op, pos) => {
    if (typeof op.process !== "number") return;
    if (op.type === "invoke") {
      if (pending.has(op.process)) {
        throw new Error(
          `Process ${op.process} invoked again at history index ${op.index} ` +
            `before its previous op completed`,
        );
      }
      pending.set(op.process, { invoke: op, pos });
      return;
    }
    const inv = pending.get(op.process);
    if (inv === undefined) {
      throw new Error(
        `Completion at history index ${op.index} of process ${op.process} has no invocation`,
      );
    }
    pending.delete(op.process);
    if (op.type === "fail") return;
    add(inv.invoke, inv.pos, op, pos);
  });
  // Invocations that never completed may or may not have happened, like info ops.
  for (const inv of pending.values()) add(inv.invoke, inv.pos, undefined, Infinity);
  return byKey;
}

// ---------------------------------------------------------------------------------------------
// The search

interface Frame {
  op: number;
  state: number;
  firstReturn: number;
  open: number[];
}

/** Checks one key. `budget.steps` is set to the number of steps spent. */
function checkKey(
  name: string,
  k: KeyOps,
  budget: { maxSteps: number; maxConfigs: number; steps: number },
): CheckResult {
  const ops = k.ops;
  const base = { analyzer: "wgl", "op-count": ops.length };

  // A read of a value that nothing ever wrote cannot be linearized anywhere. Catching it here
  // spares an exhaustive (possibly exponential, with many info ops) search for the proof.
  const written = new Set<number>();
  for (const op of ops) {
    if (op.f === "write") written.add(op.a);
    else if (op.f === "cas") written.add(op.b);
  }
  let phantom: RegOp | undefined;
  for (const op of ops) {
    if (op.f === "read" && !written.has(op.a) && (!phantom || op.retPos < phantom.retPos)) {
      phantom = op;
    }
  }
  if (phantom !== undefined) {
    return {
      "valid?": false,
      ...base,
      configs: 0,
      op: phantom.complete,
      "previous-ok": null,
      "last-states": [],
      explanation: `Key ${name} is not linearizable: ${describe(phantom)} returned a value ` +
        `that no write or cas of this key ever wrote`,
    };
  }

  // Events in history order; info returns go last, after every real return.
  const events: { pos: number; op: number; call: boolean }[] = [];
  ops.forEach((op, i) => {
    events.push({ pos: op.callPos, op: i, call: true });
    events.push({ pos: op.info ? Infinity : op.retPos, op: i, call: false });
  });
  events.sort((x, y) =>
    x.pos !== y.pos ? x.pos - y.pos : ops[x.op].callPos - ops[y.op].callPos || (x.call ? -1 : 1)
  );
  // Node 0 is the list head; event e is node e + 1.
  const size = events.length + 1;
  const next = new Int32Array(size);
  const prev = new Int32Array(size);
  const nodeOp = new Int32Array(size);
  const nodeCall = new Uint8Array(size);
  for (let n = 0; n < size; n++) {
    next[n] = n + 1 < size ? n + 1 : -1;
    prev[n] = n - 1;
  }
  events.forEach((e, i) => {
    const node = i + 1;
    nodeOp[node] = e.op;
    nodeCall[node] = e.call ? 1 : 0;
    if (e.call) ops[e.op].callNode = node;
    else ops[e.op].retNode = node;
  });

  const unlink = (n: number) => {
    next[prev[n]] = next[n];
    if (next[n] !== -1) prev[next[n]] = prev[n];
  };
  // Removed nodes keep their pointers, so relinking in reverse order of removal restores the list.
  const relink = (n: number) => {
    next[prev[n]] = n;
    if (next[n] !== -1) prev[next[n]] = n;
  };
  const lift = (op: RegOp) => {
    unlink(op.callNode);
    unlink(op.retNode);
  };
  const unlift = (op: RegOp) => {
    relink(op.retNode);
    relink(op.callNode);
  };
  /** The first return node at or after node `from` (following `next`), or -1. */
  const returnFrom = (from: number): number => {
    let n = from;
    while (n !== -1 && nodeCall[n] === 1) n = next[n];
    return n;
  };

  let state = 0;
  let firstReturn = returnFrom(next[0]);
  let open: number[] = [];
  const stack: Frame[] = [];
  const seen = new Set<string>();
  let steps = 0;
  let stuck: { node: number; states: Set<number>; previous: number | undefined } | undefined;

  let entry = next[0];
  for (;;) {
    budget.steps = steps;
    if (entry === -1) return { "valid?": true, ...base, configs: seen.size };
    if (nodeCall[entry] === 1) {
      const id = nodeOp[entry];
      const op = ops[id];
      if (++steps > budget.maxSteps || seen.size >= budget.maxConfigs) {
        budget.steps = steps - 1;
        return {
          "valid?": "unknown",
          ...base,
          configs: seen.size,
          steps,
          explanation: `Gave up on key ${name} after ${steps - 1} search steps and ${seen.size} ` +
            `configurations (limits ${budget.maxSteps} steps, which the total budget for all ` +
            `keys may lower, and ${budget.maxConfigs} configurations) without deciding whether ` +
            `its ${ops.length} ops are linearizable`,
        };
      }
      const after = apply(op, state);
      if (after !== -1) {
        lift(op);
        // Only the linearized op's own return can have been the first one.
        const newFirst = op.retNode === firstReturn ? returnFrom(next[op.retNode]) : firstReturn;
        const newOpen = openAfter(open, id, newFirst, ops);
        const configKey = `${newFirst}|${after}|${newOpen.join(",")}`;
        if (!seen.has(configKey)) {
          seen.add(configKey);
          stack.push({ op: id, state, firstReturn, open });
          state = after;
          firstReturn = newFirst;
          open = newOpen;
          entry = next[0];
          continue;
        }
        unlift(op);
      }
      entry = next[entry];
      continue;
    }
    // A return: its op was not linearized in time (or it is an info op, which need not be).
    const op = ops[nodeOp[entry]];
    if (op.info) return { "valid?": true, ...base, configs: seen.size };
    if (stuck === undefined || entry > stuck.node) {
      stuck = { node: entry, states: new Set([state]), previous: stack.at(-1)?.op };
    } else if (entry === stuck.node && stuck.states.size < MAX_REPORTED_STATES) {
      stuck.states.add(state);
    }
    const frame = stack.pop();
    if (frame === undefined) break;
    const undone = ops[frame.op];
    unlift(undone);
    state = frame.state;
    firstReturn = frame.firstReturn;
    open = frame.open;
    entry = next[undone.callNode];
  }

  // Exhausted: not linearizable. `stuck` is set because the loop only breaks at a return.
  const blocked = ops[nodeOp[stuck!.node]];
  const states = [...stuck!.states].map((s) => k.values[s]);
  const previous = stuck!.previous === undefined ? undefined : ops[stuck!.previous];
  const held = states.map((v) => quote(v)).join(" or ");
  const before = previous === undefined
    ? "no op could be linearized before it, so the register still held its initial null"
    : `the furthest the search got was to linearize ${describe(previous)} before it, ` +
      `leaving the register at ${held}`;
  return {
    "valid?": false,
    ...base,
    configs: seen.size,
    op: blocked.complete,
    "previous-ok": previous?.complete ?? previous?.invoke ?? null,
    "last-states": states,
    explanation: `Key ${name} is not linearizable: ${describe(blocked)} cannot take effect ` +
      `in any order consistent with the ops before it; ${before}`,
  };
}

/** The register's value after `op` from `state`, or -1 when `op` is illegal there. */
function apply(op: RegOp, state: number): number {
  switch (op.f) {
    case "read":
      return op.a === state ? state : -1;
    case "write":
      return op.a;
    case "cas":
      return op.a === state ? op.b : -1;
  }
}

/** The linearized ops that return after `first`, given those before linearizing `id`: sorted, so
 * that equal sets give equal keys. Ops returning before `first` are implied by `first` itself. */
function openAfter(open: readonly number[], id: number, first: number, ops: RegOp[]): number[] {
  const out: number[] = [];
  let placed = false;
  const keep = (i: number) => ops[i].retNode > first || first === -1;
  for (const i of open) {
    if (!placed && id < i) {
      if (keep(id)) out.push(id);
      placed = true;
    }
    if (keep(i)) out.push(i);
  }
  if (!placed && keep(id)) out.push(id);
  return out;
}

function describe(op: RegOp): string {
  const value = op.complete?.type === "ok" ? op.complete.value : op.invoke.value;
  const v = Array.isArray(value) ? value[1] : value;
  const outcome = op.info ? "indeterminate" : "ok";
  const span = op.info
    ? `invoked at history index ${op.invoke.index}`
    : `history index ${op.invoke.index} to ${op.complete!.index}`;
  return `process ${op.invoke.process}'s ${outcome} ${op.f} ${quote(v)} (${span})`;
}
