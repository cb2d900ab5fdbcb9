/**
 * The big, seeded histories that the checkers' tests check for verdicts and that
 * `deno task bench:checkers` times. They live in one module so that the figures in BENCHMARKS.md
 * are measured on exactly the histories whose verdicts the tests hold, and neither copy drifts.
 *
 * Every generator is deterministic: the same arguments give the same ops.
 *
 * @module
 */
import { createRng } from "../rng.ts";
import { KeyWindow } from "../workloads/elle_keys.ts";
import type { Op, OpType, Rng, Service } from "../types.ts";

// ---------------------------------------------------------------------------------------------
// lin-kv: one compare-and-set register

/**
 * Simulates `threads` clients sending random ops on one key to `service`. Each op is invoked,
 * applied at the service at some later moment, and completed later still, with other ops
 * interleaved at every stage. With probability `lossP` a request or its reply is lost, and the op
 * ends `info`. Whatever the service is, the history records what it answered.
 *
 * @example
 * ```ts
 * import { linKvHistory } from "./testing_histories.ts";
 * import { createService } from "../services/kv.ts";
 * import { createRng } from "../rng.ts";
 * const rng = createRng(1);
 * const ops = linKvHistory(createService("lin-kv", rng.fork()), rng, 100, 4, 0.01);
 * ops.filter((op) => op.type === "invoke").length; // 100
 * ```
 */
export function linKvHistory(
  service: Service,
  rng: Rng,
  opCount: number,
  threads: number,
  lossP: number,
): Op[] {
  const history: Op[] = [];
  const process = Array.from({ length: threads }, (_, t) => t);
  const pending = new Map<
    number,
    { inv: Op; body: Record<string, unknown>; reply?: Record<string, unknown> }
  >();
  const record = (type: OpType, t: number, f: string, value: unknown) =>
    history.push({
      index: history.length,
      time: history.length,
      type,
      process: process[t],
      f,
      value,
    });
  let invoked = 0;
  while (invoked < opCount || pending.size > 0) {
    const free = process.map((_, t) => t).filter((t) => !pending.has(t));
    if (invoked < opCount && free.length > 0 && rng.next() < 0.35) {
      const t = rng.pick(free);
      const f = rng.pick(["read", "write", "cas", "cas"]);
      const [from, to] = [rng.int(0, 5), rng.int(0, 5)];
      const value = f === "read" ? [0, null] : f === "write" ? [0, to] : [0, [from, to]];
      const body = f === "read"
        ? { type: "read", key: 0 }
        : f === "write"
        ? { type: "write", key: 0, value: to }
        : { type: "cas", key: 0, from, to };
      record("invoke", t, f, value);
      pending.set(t, { inv: history[history.length - 1], body });
      invoked++;
      continue;
    }
    if (pending.size === 0) continue;
    const t = rng.pick([...pending.keys()]);
    const p = pending.get(t)!;
    if (rng.next() < lossP) {
      record("info", t, p.inv.f, p.inv.value);
      pending.delete(t);
      process[t] += threads;
      continue;
    }
    if (p.reply === undefined) {
      p.reply = service.handle(`n${t % 3}`, p.body);
      continue;
    }
    const reply = p.reply;
    if (reply.type === "error") record("fail", t, p.inv.f, p.inv.value);
    else record("ok", t, p.inv.f, p.inv.f === "read" ? [0, reply.value] : p.inv.value);
    pending.delete(t);
  }
  return history;
}

// ---------------------------------------------------------------------------------------------
// kafka

/** Builds kafka histories op by op; every op gets the next index and a time 1 ms later.
 *
 * @example
 * ```ts
 * import { KafkaHistory } from "./testing_histories.ts";
 * const h = new KafkaHistory();
 * h.send(0, "k", 5, 0);
 * h.poll(1, { k: [[0, 5]] });
 * h.ops.length; // 4
 * ```
 */
export class KafkaHistory {
  ops: Op[] = [];

  /** Appends one op and returns its index. */
  add(type: Op["type"], process: number, f: string, value: unknown, extra = {}): number {
    const index = this.ops.length;
    this.ops.push({ index, time: index * 1_000_000, type, process, f, value, ...extra });
    return index;
  }

  /** A send's invocation. */
  invokeSend(p: number, k: string, v: unknown): number {
    return this.add("invoke", p, "send", [["send", k, v]]);
  }

  /** A send's ok completion, placing `v` at `offset`. */
  okSend(p: number, k: string, v: unknown, offset: number): number {
    return this.add("ok", p, "send", [["send", k, [offset, v]]]);
  }

  /** An invoke and its ok completion; returns the completion's index. */
  send(p: number, k: string, v: unknown, offset: number): number {
    this.invokeSend(p, k, v);
    return this.okSend(p, k, v, offset);
  }

  /** A poll's invocation. */
  invokePoll(p: number): number {
    return this.add("invoke", p, "poll", [["poll"]]);
  }

  /** A poll's ok completion with `msgs`: key → [offset, message] pairs. */
  okPoll(p: number, msgs: Record<string, unknown>): number {
    return this.add("ok", p, "poll", [["poll", msgs]]);
  }

  /** An invoke and its ok completion; returns the completion's index. */
  poll(p: number, msgs: Record<string, unknown>): number {
    this.invokePoll(p);
    return this.okPoll(p, msgs);
  }
}

/** A simulated correct kafka run of about `opCount` ops: a few processes send to and poll a log
 * whose offsets start at `base` and grow by random gaps (up to a million), then fresh processes
 * re-read all keys from the beginning in batches of 200.
 *
 * @example
 * ```ts
 * import { kafkaHistory } from "./testing_histories.ts";
 * import { checkKafka } from "./kafka.ts";
 * checkKafka(kafkaHistory(400, 1.7e12, 1))["valid?"]; // true
 * ```
 */
export function kafkaHistory(opCount: number, base: number, seed: number): Op[] {
  const rng = createRng(seed);
  const h = new KafkaHistory();
  const keys = ["0", "1", "2", "3", "4"];
  const logs = new Map<string, [number, number][]>(keys.map((k) => [k, []]));
  const next = new Map<string, number>(keys.map((k) => [k, base]));
  const values = new Map<string, number>(keys.map((k) => [k, 0]));
  const processes = 4;
  const positions = Array.from({ length: processes }, () => new Map<string, number>());
  while (h.ops.length < opCount * 0.95) {
    const p = rng.int(0, processes);
    const k = rng.pick(keys);
    if (rng.next() < 0.5) {
      const v = values.get(k)! + 1;
      values.set(k, v);
      const o = next.get(k)!;
      next.set(k, o + 1 + rng.int(0, 1_000_000));
      logs.get(k)!.push([o, v]);
      h.send(p, k, v, o);
    } else {
      const msgs: Record<string, [number, number][]> = {};
      for (const key of keys) {
        const from = positions[p].get(key) ?? 0;
        const batch = logs.get(key)!.slice(from, from + rng.int(0, 4));
        if (batch.length === 0) continue;
        msgs[key] = batch;
        positions[p].set(key, from + batch.length);
      }
      h.poll(p, msgs);
    }
  }
  // Final phase: fresh processes read everything, in batches.
  for (let p = 0; p < processes; p++) {
    const q = p + 100;
    h.add("invoke", q, "assign", keys, { "seek-to-beginning?": true });
    h.add("ok", q, "assign", keys, { "seek-to-beginning?": true });
    const pos = new Map<string, number>();
    while (h.ops.length < opCount) {
      const msgs: Record<string, [number, number][]> = {};
      let any = false;
      for (const key of keys) {
        const from = pos.get(key) ?? 0;
        const batch = logs.get(key)!.slice(from, from + 200);
        if (batch.length === 0) continue;
        any = true;
        msgs[key] = batch;
        pos.set(key, from + batch.length);
      }
      if (!any) break;
      h.poll(q, msgs);
    }
  }
  return h.ops;
}

/** A copy of a {@linkcode kafkaHistory} whose last op, a poll, skips the second message it
 * returned of its first key: an `int-poll-skip` at the very end of a big history.
 *
 * @example
 * ```ts
 * import { kafkaHistory, withPollSkip } from "./testing_histories.ts";
 * import { checkKafka } from "./kafka.ts";
 * const r = checkKafka(withPollSkip(kafkaHistory(400, 0, 2)));
 * (r["error-types"] as string[]).includes("int-poll-skip"); // true
 * ```
 */
export function withPollSkip(ops: readonly Op[]): Op[] {
  const broken = ops.slice();
  const last = broken[broken.length - 1];
  const value = last.value as [string, Record<string, [number, number][]>][];
  const msgs = value[0][1];
  const key = Object.keys(msgs)[0];
  broken[broken.length - 1] = {
    ...last,
    value: [["poll", { ...msgs, [key]: msgs[key].filter((_, i) => i !== 1) }]],
  };
  return broken;
}

/** A copy of a {@linkcode kafkaHistory} with the first send's message sent again, by a send
 * invoked only after a new poll (process 77) returned it: every poll of that message, the new one
 * included, now read from the future, and the checker has to build the full dependency graph.
 * Returns the ops and the indices of the new poll's and the new send's completions.
 *
 * @example
 * ```ts
 * import { kafkaHistory, withReadFromTheFuture } from "./testing_histories.ts";
 * const { ops, poll, send } = withReadFromTheFuture(kafkaHistory(400, 0, 3));
 * send === poll + 2 && send === ops.length - 1; // true
 * ```
 */
export function withReadFromTheFuture(
  ops: readonly Op[],
): { ops: Op[]; poll: number; send: number } {
  const h = new KafkaHistory();
  h.ops = ops.map((o) => ({ ...o }));
  const firstSendOk = h.ops.findIndex((o) => o.type === "ok" && o.f === "send");
  const value = (h.ops[firstSendOk].value as [string, string, [number, number]][])[0];
  const poll = h.poll(77, { [value[1]]: [value[2]] });
  h.invokeSend(0, value[1], value[2][1]);
  const send = h.okSend(0, value[1], value[2][1], value[2][0]);
  return { ops: h.ops, poll, send };
}

// ---------------------------------------------------------------------------------------------
// Elle: txn-list-append and txn-rw-register

type Mop = [string, unknown, unknown];

/** A random txn-list-append history of `count` transactions over `concurrency` processes,
 * generated like the workload (KeyWindow, writes turned into appends). Each transaction runs
 * atomically when it completes. With `stale`, the reads of a key the transaction does not append
 * to return the list as one of the last three transactions to append to it left it:
 * read-committed holds, serializability does not.
 *
 * @example
 * ```ts
 * import { listAppendHistory } from "./testing_histories.ts";
 * import { checkListAppend } from "./elle/list_append.ts";
 * const h = listAppendHistory(200, 7);
 * checkListAppend(h, { consistencyModels: ["serializable"] })["valid?"]; // true
 * ```
 */
export function listAppendHistory(
  count: number,
  seed: number,
  stale = false,
  concurrency = 10,
): Op[] {
  // Key → the list as each committed transaction left it, oldest first.
  const versions = new Map<number, number[][]>();
  return concurrentTxns(count, seed, concurrency, "append", (txn, rng) => {
    const appends = new Set(txn.filter((m) => m[0] === "append").map((m) => m[1] as number));
    const local = new Map<number, number[]>();
    for (const k of new Set(txn.map((m) => m[1] as number))) {
      const vs = versions.get(k) ?? [];
      const back = stale && !appends.has(k) ? rng.int(0, 3) : 0;
      local.set(k, vs[vs.length - 1 - back] ?? []);
    }
    const result = txn.map(([f, k, v]): Mop => {
      const list = local.get(k as number)!;
      if (f === "append") {
        local.set(k as number, [...list, v as number]);
        return [f, k, v];
      }
      return ["r", k, list.length > 0 ? list : null];
    });
    for (const k of appends) versions.set(k, [...(versions.get(k) ?? []), local.get(k)!]);
    return result;
  });
}

/** A random txn-rw-register history of `count` transactions over `concurrency` processes,
 * generated like the workload (KeyWindow). Each transaction runs atomically when it completes,
 * against committed state. With `stale`, reads return a committed value up to a few versions old
 * (and writes still install in commit order): read-committed holds, serializability does not.
 *
 * @example
 * ```ts
 * import { rwRegisterHistory } from "./testing_histories.ts";
 * import { checkRwRegister } from "./elle/rw_register.ts";
 * const h = rwRegisterHistory(200, 7);
 * checkRwRegister(h, { consistencyModels: ["serializable"] })["valid?"]; // true
 * ```
 */
export function rwRegisterHistory(
  count: number,
  seed: number,
  stale = false,
  concurrency = 10,
): Op[] {
  const versions = new Map<number, number[]>();
  return concurrentTxns(count, seed, concurrency, "w", (txn, rng) => {
    const local = new Map<unknown, unknown>();
    const result: Mop[] = txn.map(([f, k, v]) => {
      if (f === "w") {
        local.set(k, v);
        return [f, k, v];
      }
      if (!local.has(k)) {
        const vs = versions.get(k as number) ?? [];
        const back = stale ? rng.int(0, 4) : 0;
        local.set(k, vs.length - 1 - back >= 0 ? vs[vs.length - 1 - back] : null);
      }
      return [f, k, local.get(k)];
    });
    for (const [f, k, v] of result) {
      if (f !== "w") continue;
      const vs = versions.get(k as number) ?? [];
      // Only the transaction's final write to each key is installed.
      if (local.get(k) === v && vs[vs.length - 1] !== v) vs.push(v as number);
      versions.set(k as number, vs);
    }
    return result;
  });
}

/** Drives `count` transactions over `concurrency` processes, as the txn workloads do: each step
 * picks a process; an idle one invokes a new transaction of 1 to 4 micro-ops from a KeyWindow
 * (writes spelled `writeVerb`), a busy one completes its transaction with what `complete`
 * returns, which runs it atomically against the committed state the caller keeps. Both history
 * generators share this, so the two workloads' histories interleave the same way. */
function concurrentTxns(
  count: number,
  seed: number,
  concurrency: number,
  writeVerb: "w" | "append",
  complete: (txn: Mop[], rng: Rng) => Mop[],
): Op[] {
  const rng = createRng(seed);
  const window = new KeyWindow({ keyCount: 10, maxWritesPerKey: 16 }, rng);
  const ops: Op[] = [];
  const inFlight = new Map<number, Mop[]>();
  let started = 0, done = 0;
  while (done < count) {
    const p = rng.int(0, concurrency);
    const txn = inFlight.get(p);
    const op = (type: OpType, value: Mop[]) =>
      ops.push({ index: ops.length, time: ops.length * 1000, type, process: p, f: "txn", value });
    if (!txn) {
      if (started === count) continue;
      const mops: Mop[] = Array.from({ length: rng.int(1, 5) }, () => {
        const m = window.nextMop();
        return m.kind === "r" ? ["r", m.key, null] : [writeVerb, m.key, m.value];
      });
      inFlight.set(p, mops);
      started++;
      op("invoke", mops);
      continue;
    }
    inFlight.delete(p);
    done++;
    op("ok", complete(txn, rng));
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Counter

/** A g-counter/pn-counter history of `adds` adds by 5 processes, deltas from -5 to 4, every
 * other one `info` (its outcome unknown), then one ok final read of 0 on n0. Each info delta may
 * or may not have counted, so the acceptable final values are the subset sums of all of them.
 *
 * @example
 * ```ts
 * import { counterInfoHistory } from "./testing_histories.ts";
 * import { checkCounter } from "./counter.ts";
 * (checkCounter(counterInfoHistory(20, 5)).acceptable as unknown[]).length > 0; // true
 * ```
 */
export function counterInfoHistory(adds: number, seed: number): Op[] {
  const rng = createRng(seed);
  const ops: Op[] = [];
  const op = (process: number, type: OpType, f: string, value: unknown, extra = {}) =>
    ops.push({ index: ops.length, time: ops.length * 1e6, type, process, f, value, ...extra });
  for (let i = 0; i < adds; i++) {
    const delta = rng.int(-5, 5);
    op(i % 5, "invoke", "add", delta);
    op(i % 5, i % 2 === 0 ? "info" : "ok", "add", delta);
  }
  op(0, "invoke", "read", null, { final: true, node: "n0" });
  op(0, "ok", "read", 0, { final: true, node: "n0" });
  return ops;
}
