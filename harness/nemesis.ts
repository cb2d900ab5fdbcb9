/**
 * The nemesis: Maelstrom's faults (`--nemesis partition,kill,pause`), their schedules and final
 * phase, and the views of a history that reports and summaries draw from nemesis ops.
 *
 * Maelstrom composes Jepsen's `partition-package` and `db-package` (`jepsen.nemesis.combined`):
 * the partition package's generator runs beside the DB package's (`gen/any`), each staggered on
 * `--nemesis-interval`; inside the DB package, `kill`/`start` and `pause`/`resume` are two
 * flip-flops drawn from at random (`gen/mix`) on one schedule. One nemesis worker executes the
 * ops, one at a time. The whole generator sits under `--time-limit` (`gen/time-limit`), so no
 * fault starts or ends after it except the final phase's.
 *
 * @module
 */
import type { HarnessClock } from "./clock.ts";
import type { Network } from "./network.ts";
import type { NodeBackend } from "./nodes/process.ts";
import type { SeededRng } from "./rng.ts";
import type { Op, Rng, TestOptions } from "./types.ts";

/** The partition shapes Maelstrom chooses among. */
export const PARTITION_SPECS = ["one", "majority", "minority-third", "majorities-ring"] as const;
export type PartitionSpec = (typeof PARTITION_SPECS)[number];

/** A grudge: each node mapped to the nodes whose messages it drops. */
export type Grudge = Map<string, Set<string>>;

/** Builds the grudge of one partition spec.
 *
 * @example
 * ```ts
 * import { grudgeFor } from "./nemesis.ts";
 * import { createRng } from "./rng.ts";
 * const g = grudgeFor("one", ["n0", "n1", "n2"], createRng(3));
 * // one node drops the other two, and they drop it
 * ```
 */
export function grudgeFor(spec: PartitionSpec, nodes: readonly string[], rng: Rng): Grudge {
  const shuffled = rng.shuffle(nodes);
  switch (spec) {
    case "one":
      return cut([shuffled[0]], shuffled.slice(1));
    case "majority": {
      const k = Math.floor(nodes.length / 2);
      return cut(shuffled.slice(0, k), shuffled.slice(k));
    }
    case "minority-third": {
      const k = Math.floor((nodes.length - 1) / 3);
      return cut(shuffled.slice(0, k), shuffled.slice(k));
    }
    case "majorities-ring":
      return majoritiesRing(shuffled);
  }
}

/** Fully cuts `a` from `b`, both directions. */
function cut(a: readonly string[], b: readonly string[]): Grudge {
  const g: Grudge = new Map();
  const drop = (dest: string, srcs: readonly string[]) => {
    if (srcs.length === 0) return;
    const set = g.get(dest) ?? new Set();
    for (const s of srcs) set.add(s);
    g.set(dest, set);
  };
  for (const x of a) drop(x, b);
  for (const y of b) drop(y, a);
  return g;
}

/** The ring in a random order; each node hears only the majority window centred on it. For more
 * than five nodes Maelstrom builds a random graph with the same property (every node keeps links
 * to a majority); the ring windows give that property too. */
function majoritiesRing(ring: readonly string[]): Grudge {
  const n = ring.length;
  const m = Math.floor(n / 2) + 1;
  const g: Grudge = new Map();
  for (let i = 0; i < n; i++) {
    const window = new Set<string>();
    for (let j = 0; j < m; j++) window.add(ring[(i + j) % n]);
    const middle = ring[(i + Math.floor(m / 2)) % n];
    const dropped = ring.filter((x) => !window.has(x));
    if (dropped.length > 0) g.set(middle, new Set(dropped));
  }
  return g;
}

/** A grudge as plain data for the history: `{dest: [srcs]}`. */
export function grudgeToJson(g: Grudge): Record<string, string[]> {
  return Object.fromEntries([...g].map(([k, v]) => [k, [...v].sort()]));
}

/** A one-line picture of a grudge, such as `n0 | n1 n2` for a clean two-way split, else the
 * list of one-way drops. */
export function describeGrudge(g: ReadonlyMap<string, ReadonlySet<string>>): string {
  if (g.size === 0) return "healed";
  return [...g].map(([dest, srcs]) => `${dest}✗{${[...srcs].sort().join(",")}}`).join(" ");
}

/** The faults `--nemesis` accepts, in the order Maelstrom composes their packages. */
export const FAULTS = ["partition", "kill", "pause"] as const;
export type Fault = (typeof FAULTS)[number];

/** The node specs a `kill` or `pause` draws among, as Jepsen's `node-specs` lists them
 * (`jepsen.nemesis.combined`): `null` is a random non-empty subset. */
export const NODE_SPECS = [null, "one", "minority-third", "minority", "majority", "all"] as const;
export type NodeSpec = (typeof NODE_SPECS)[number];

/** The nodes a node spec names, drawn as Jepsen's `db-nodes` draws them: `null` a random
 * non-empty subset, `one` a single node, `minority-third` fewer than a third, `minority` one less
 * than a majority, `majority` more than half, `all` every node.
 *
 * @example
 * ```ts
 * import { nodesFor } from "./nemesis.ts";
 * import { createRng } from "./rng.ts";
 * nodesFor("majority", ["n0", "n1", "n2", "n3", "n4"], createRng(1)).length; // 3
 * nodesFor("all", ["n0", "n1"], createRng(1)); // ["n0", "n1"]
 * ```
 */
export function nodesFor(spec: NodeSpec, nodes: readonly string[], rng: Rng): string[] {
  const majority = Math.floor(nodes.length / 2) + 1;
  switch (spec) {
    case null:
      if (nodes.length === 0) return [];
      return rng.shuffle(nodes).slice(0, rng.int(0, nodes.length) + 1);
    case "one":
      return [rng.pick(nodes)];
    case "minority-third":
      return rng.shuffle(nodes).slice(0, Math.floor((nodes.length - 1) / 3));
    case "minority":
      return rng.shuffle(nodes).slice(0, majority - 1);
    case "majority":
      return rng.shuffle(nodes).slice(0, majority);
    case "all":
      return [...nodes];
  }
}

/** Checks a `--nemesis` value and returns its faults, or throws a sentence naming the bad one.
 *
 * @example
 * ```ts
 * import { parseFaults } from "./nemesis.ts";
 * parseFaults("kill, pause"); // ["kill", "pause"]
 * ```
 */
export function parseFaults(value: string | undefined): Fault[] {
  if (value === undefined) return [];
  const faults: Fault[] = [];
  for (const f of value.split(/\s*,\s*/).filter(Boolean)) {
    if (!(FAULTS as readonly string[]).includes(f)) {
      throw new Error(
        `Unknown nemesis "${f}": expected a comma-separated mix of ${
          FAULTS.map((x) => `"${x}"`).join(", ")
        }`,
      );
    }
    if (!faults.includes(f as Fault)) faults.push(f as Fault);
  }
  return faults;
}

/** A nemesis op as the runner records it: process `nemesis`, type `info`. */
export interface NemesisOpFields {
  type: "info";
  process: "nemesis";
  f: string;
  value: unknown;
  [extra: string]: unknown;
}

/** What the nemesis needs from the runner. */
export interface NemesisContext {
  opts: TestOptions;
  network: Network;
  clock: HarnessClock;
  /** The nemesis's own random stream. */
  rng: SeededRng;
  backend: NodeBackend;
  /** Records one op in the history. */
  record: (op: NemesisOpFields) => void;
  /** Sends `init` to a restarted node from a fresh client and waits for `init_ok`; rejects with a
   * sentence naming the node when it dies on init or stays silent. */
  initNode: (node: string) => Promise<void>;
  /** When the main phase began, on `clock`. */
  startMs: number;
  /** `--time-limit` in milliseconds: no op is scheduled at or after `startMs + limitMs`. */
  limitMs: number;
}

/** A running nemesis. */
export interface RunningNemesis {
  /** Stops scheduling, waits for the op under way, and rethrows the error that ended the
   * nemesis early (a node that did not come back from a restart), if any. */
  stop(): Promise<void>;
  /** The final phase's ops, in Jepsen's order of final generators: `stop-partition`, then
   * `resume` all, then `start` all, for the faults enabled. */
  final(): Promise<void>;
  /** The first error a nemesis op threw, once there is one. */
  readonly failure: unknown;
}

/** Thrown by {@linkcode startNemesis} when the node backend lacks a fault's methods. */
export class NemesisUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NemesisUnsupported";
  }
}

/** The most nodes a nemesis op's completion lists before it stops naming them; a bound on the
 * history size for large clusters. */
const MAX_NAMED_NODES = 1000;

/** Starts the nemesis schedules for `opts.nemesis`: the partition flip-flop and, for `kill` and
 * `pause`, the DB flip-flops, each staggered on `--nemesis-interval` and cut off at
 * `--time-limit`.
 *
 * @example
 * ```ts ignore
 * const nemesis = startNemesis({ opts, network, clock, rng, backend, record, initNode,
 *   startMs: clock.now(), limitMs: opts.timeLimitS * 1000 });
 * // ... the main phase ...
 * await nemesis.stop();
 * await nemesis.final(); // heal, resume, start
 * ```
 */
export function startNemesis(ctx: NemesisContext): RunningNemesis {
  const { opts, network, clock, backend, record } = ctx;
  const faults = new Set(opts.nemesis);
  const kill = faults.has("kill"), pause = faults.has("pause");
  for (
    const [on, method] of [[kill, "kill"], [kill, "restart"], [pause, "pause"], [
      pause,
      "resume",
    ]] as const
  ) {
    if (on && typeof backend[method] !== "function") {
      throw new NemesisUnsupported(
        `--nemesis ${method === "kill" || method === "restart" ? "kill" : "pause"} needs a node ` +
          `host that can ${method} nodes, and this one cannot`,
      );
    }
  }
  // The partition stream draws from the nemesis stream itself, as before kill and pause
  // existed, so a partition-only run with a given seed cuts the same way it always did.
  const partitionRng = ctx.rng;
  const dbRng = kill || pause ? ctx.rng.fork() : ctx.rng;
  const dead = new Set<string>();
  const paused = new Set<string>();
  let stopped = false;
  let failure: unknown;
  const timers = new Set<unknown>();
  const wakers = new Set<() => void>();
  // One nemesis worker: ops from the streams run one at a time, in the order they came due.
  let worker: Promise<void> = Promise.resolve();
  const exec = (op: () => Promise<void>): Promise<void> => {
    const run = worker.then(async () => {
      if (failure !== undefined) return;
      try {
        await op();
      } catch (err) {
        failure ??= err;
      }
    });
    worker = run;
    return run;
  };
  const inTime = () => clock.now() - ctx.startMs < ctx.limitMs;

  const nodeResults = (entries: [string, string][]) =>
    Object.fromEntries(entries.slice(0, MAX_NAMED_NODES));

  const ops = {
    startPartition: async () => {
      const spec = partitionRng.pick(PARTITION_SPECS);
      record({ type: "info", process: "nemesis", f: "start-partition", value: spec });
      const grudge = grudgeFor(spec, opts.nodes, partitionRng);
      network.partition(grudge);
      record({
        type: "info",
        process: "nemesis",
        f: "start-partition",
        value: ["isolated", grudgeToJson(grudge)],
      });
      await Promise.resolve();
    },
    stopPartition: async () => {
      record({ type: "info", process: "nemesis", f: "stop-partition", value: null });
      network.heal();
      record({ type: "info", process: "nemesis", f: "stop-partition", value: "network-healed" });
      await Promise.resolve();
    },
    kill: async () => {
      const spec = dbRng.pick(NODE_SPECS);
      record({ type: "info", process: "nemesis", f: "kill", value: spec });
      const targets = nodesFor(spec, opts.nodes, dbRng);
      const results: [string, string][] = [];
      for (const node of targets) {
        if (dead.has(node)) {
          results.push([node, "already-dead"]);
          continue;
        }
        await backend.kill!(node);
        dead.add(node);
        paused.delete(node);
        results.push([node, "killed"]);
      }
      record({ type: "info", process: "nemesis", f: "kill", value: nodeResults(results) });
    },
    start: async () => {
      record({ type: "info", process: "nemesis", f: "start", value: "all" });
      const results = await Promise.all(opts.nodes.map(async (node): Promise<[string, string]> => {
        if (!dead.has(node)) return [node, "already-running"];
        await backend.restart!(node);
        dead.delete(node);
        await ctx.initNode(node);
        return [node, "started"];
      }));
      record({ type: "info", process: "nemesis", f: "start", value: nodeResults(results) });
    },
    pause: async () => {
      const spec = dbRng.pick(NODE_SPECS);
      record({ type: "info", process: "nemesis", f: "pause", value: spec });
      const targets = nodesFor(spec, opts.nodes, dbRng);
      const results: [string, string][] = [];
      for (const node of targets) {
        if (dead.has(node)) results.push([node, "not-running"]);
        else if (paused.has(node)) results.push([node, "already-paused"]);
        else {
          await backend.pause!(node);
          paused.add(node);
          results.push([node, "paused"]);
        }
      }
      record({ type: "info", process: "nemesis", f: "pause", value: nodeResults(results) });
    },
    resume: async () => {
      record({ type: "info", process: "nemesis", f: "resume", value: "all" });
      const results: [string, string][] = [];
      for (const node of opts.nodes) {
        if (!paused.has(node)) {
          results.push([node, "not-paused"]);
          continue;
        }
        await backend.resume!(node);
        paused.delete(node);
        results.push([node, "resumed"]);
      }
      record({ type: "info", process: "nemesis", f: "resume", value: nodeResults(results) });
    },
  };

  /** Jepsen's `flip-flop`: alternates its two ops, starting with the first. */
  const flipFlop = (a: () => Promise<void>, b: () => Promise<void>) => {
    let on = false;
    return () => {
      on = !on;
      return on ? a() : b();
    };
  };

  /** One staggered stream: the first op at once, each next one a uniform [0, 2·interval) after
   * the previous one's scheduled time, none at or after the time limit. */
  const stream = async (rng: Rng, nextOp: () => () => Promise<void>) => {
    let atMs = 0;
    const intervalMs = opts.nemesisIntervalS * 1000;
    while (!stopped && failure === undefined && atMs < ctx.limitMs) {
      const waitMs = ctx.startMs + atMs - clock.now();
      if (waitMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = clock.setTimeout(() => {
            timers.delete(timer);
            wakers.delete(resolve);
            resolve();
          }, waitMs);
          timers.add(timer);
          wakers.add(resolve);
        });
      }
      if (stopped || !inTime()) break;
      const op = nextOp();
      // The worker may be busy with another stream's op; the time limit is checked again when
      // this one's turn comes, as Jepsen's time-limit judges an op by when it is emitted.
      await exec(() => stopped || !inTime() ? Promise.resolve() : op());
      atMs += rng.next() * 2 * intervalMs;
    }
  };

  const streams: Promise<void>[] = [];
  if (faults.has("partition")) {
    const next = flipFlop(ops.startPartition, ops.stopPartition);
    streams.push(stream(partitionRng, () => next));
  }
  if (kill || pause) {
    // Jepsen's db-generators list pause-resume before kill-start, then gen/mix picks between
    // them uniformly for every op.
    const modes = [
      ...(pause ? [flipFlop(ops.pause, ops.resume)] : []),
      ...(kill ? [flipFlop(ops.kill, ops.start)] : []),
    ];
    streams.push(stream(dbRng, () => modes[modes.length === 1 ? 0 : dbRng.int(0, modes.length)]));
  }
  const all = Promise.all(streams);

  return {
    get failure() {
      return failure;
    },
    async stop() {
      stopped = true;
      for (const t of timers) clock.clearTimeout(t);
      timers.clear();
      for (const wake of wakers) wake();
      wakers.clear();
      await all;
      await worker;
      if (failure !== undefined) throw failure;
    },
    async final() {
      if (faults.has("partition")) await exec(ops.stopPartition);
      if (pause) await exec(ops.resume);
      if (kill) await exec(ops.start);
      if (failure !== undefined) throw failure;
    },
  };
}

/** A period in which one node was dead (`kill`) or frozen (`pause`), from the completion of the
 * nemesis op that began it to the completion of the one that ended it. */
export interface FaultSpan {
  kind: "kill" | "pause";
  node: string;
  startMs: number;
  endMs: number;
  /** True when nothing ended it before the run did. */
  ongoing: boolean;
  /** A pause can also end by a kill: a stopped process can still be killed. */
  endedByKill?: boolean;
}

/** The dead and paused periods of every node in a history, in order of start.
 *
 * @example
 * ```ts
 * import { faultSpansOf } from "./nemesis.ts";
 * const spans = faultSpansOf([
 *   { index: 0, time: 1e9, type: "info", process: "nemesis", f: "kill", value: { n1: "killed" } },
 *   { index: 1, time: 4e9, type: "info", process: "nemesis", f: "start",
 *     value: { n0: "already-running", n1: "started" } },
 * ], 10_000);
 * spans; // [{ kind: "kill", node: "n1", startMs: 1000, endMs: 4000, ongoing: false }]
 * ```
 */
export function faultSpansOf(history: readonly Op[], endMs: number): FaultSpan[] {
  const spans: FaultSpan[] = [];
  const open = new Map<string, FaultSpan>();
  const key = (kind: string, node: string) => `${kind} ${node}`;
  const begin = (kind: FaultSpan["kind"], node: string, atMs: number) => {
    if (open.has(key(kind, node))) return;
    const span: FaultSpan = { kind, node, startMs: atMs, endMs: atMs, ongoing: true };
    open.set(key(kind, node), span);
    spans.push(span);
  };
  const end = (kind: FaultSpan["kind"], node: string, atMs: number, byKill = false) => {
    const span = open.get(key(kind, node));
    if (!span) return;
    span.endMs = atMs;
    span.ongoing = false;
    if (byKill) span.endedByKill = true;
    open.delete(key(kind, node));
  };
  for (const op of history) {
    if (op.process !== "nemesis" || !isNodeResults(op.value)) continue;
    const atMs = op.time / 1e6;
    for (const [node, result] of Object.entries(op.value)) {
      if (result === "killed") {
        // A process killed while stopped is no longer paused: its pause ends with it.
        end("pause", node, atMs, true);
        begin("kill", node, atMs);
      } else if (result === "started") end("kill", node, atMs);
      else if (result === "paused") begin("pause", node, atMs);
      else if (result === "resumed") end("pause", node, atMs);
    }
  }
  for (const span of open.values()) span.endMs = Math.max(span.startMs, endMs);
  return spans;
}

/** Merges the spans of one kind into the periods in which any node suffered it: what the
 * latency and rate plots shade, as Jepsen's perf plots shade the time from a `kill` to the next
 * `start`.
 *
 * @example
 * ```ts
 * import { faultPeriods } from "./nemesis.ts";
 * faultPeriods([
 *   { kind: "kill", node: "n0", startMs: 0, endMs: 10, ongoing: false },
 *   { kind: "kill", node: "n1", startMs: 5, endMs: 20, ongoing: false },
 * ], "kill"); // [{ startMs: 0, endMs: 20, nodes: ["n0", "n1"] }]
 * ```
 */
export function faultPeriods(
  spans: readonly FaultSpan[],
  kind: FaultSpan["kind"],
): { startMs: number; endMs: number; nodes: string[] }[] {
  const sorted = spans.filter((s) => s.kind === kind).sort((a, b) => a.startMs - b.startMs);
  const out: { startMs: number; endMs: number; nodes: string[] }[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && s.startMs <= last.endMs) {
      last.endMs = Math.max(last.endMs, s.endMs);
      if (!last.nodes.includes(s.node)) last.nodes.push(s.node);
    } else out.push({ startMs: s.startMs, endMs: s.endMs, nodes: [s.node] });
  }
  return out;
}

/** Colours of Jepsen's perf plots for each fault (`jepsen.nemesis.combined`'s `:perf`). */
export const FAULT_COLORS = { partition: "#E9DCA0", kill: "#E9A4A0", pause: "#A0B1E9" } as const;

/** The summary's lines about faults: what the nemesis injected (counts and nodes) and, when
 * client ops failed, how many of those failures were timeouts of requests to a node while it was
 * paused or dead. Empty when the run had no nemesis ops.
 *
 * @example
 * ```ts ignore
 * faultSummaryLines(outcome.history);
 * // ["  - faults        2 partitions; 1 kill (n1); 1 pause (n0 x2)",
 * //  "    The only errors were 3 timeouts of requests to n0 while it was paused."]
 * ```
 */
export function faultSummaryLines(history: readonly Op[]): string[] {
  const nemesisOps = history.filter((op) => op.process === "nemesis");
  if (nemesisOps.length === 0) return [];
  let endMs = 0;
  for (const op of history) endMs = Math.max(endMs, op.time / 1e6);
  const spans = faultSpansOf(history, endMs);
  const partitions =
    nemesisOps.filter((op) =>
      op.f === "start-partition" && Array.isArray(op.value) && op.value[0] === "isolated"
    ).length;
  const parts: string[] = [];
  if (partitions > 0) parts.push(plural(partitions, "partition"));
  for (const kind of ["kill", "pause"] as const) {
    const ofKind = spans.filter((s) => s.kind === kind);
    const effective = nemesisOps.filter((op) =>
      op.f === kind && isNodeResults(op.value) &&
      Object.values(op.value).includes(kind === "kill" ? "killed" : "paused")
    ).length;
    if (effective === 0) continue;
    const perNode = new Map<string, number>();
    for (const s of ofKind) perNode.set(s.node, (perNode.get(s.node) ?? 0) + 1);
    const nodes = [...perNode].sort(([a], [b]) => compareNodeIds(a, b))
      .map(([n, k]) => k > 1 ? `${n} x${k}` : n).join(", ");
    const ongoing = ofKind.filter((s) => s.ongoing).map((s) => s.node).sort(compareNodeIds);
    parts.push(
      `${plural(effective, `${kind} op`)} (${nodes})` +
        (ongoing.length
          ? `, ${ongoing.join(", ")} still ${kind === "kill" ? "dead" : "paused"} at the end`
          : ""),
    );
  }
  const lines = [`  - faults        ${parts.join("; ") || "none took effect"}`];

  // Which client errors the faults explain: timeouts of requests to a node while it was down.
  const invokes = new Map<unknown, Op>();
  let errors = 0;
  const explained: Op[] = [];
  const kinds = new Set<string>();
  const downNodes = new Set<string>();
  for (const op of history) {
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") {
      invokes.set(op.process, op);
      continue;
    }
    const inv = invokes.get(op.process);
    invokes.delete(op.process);
    if (op.type === "ok") continue;
    errors++;
    const node = op.node ?? inv?.node;
    if (!inv || !node || !isTimeout(op)) continue;
    const fromMs = inv.time / 1e6, toMs = op.time / 1e6;
    const down = spans.find((s) => s.node === node && s.startMs <= toMs && s.endMs >= fromMs);
    if (!down) continue;
    explained.push(op);
    kinds.add(down.kind === "kill" ? "dead" : "paused");
    downNodes.add(node);
  }
  if (explained.length > 0) {
    const state = [...kinds].sort().reverse().join(" or ");
    const nodes = [...downNodes].sort(compareNodeIds);
    const whom = nodes.length === 1
      ? `${nodes[0]} while it was`
      : `${nodes.join(", ")} while they were`;
    lines.push(
      explained.length === errors
        ? `    The only errors were ${plural(errors, "timeout")} of requests to ${whom} ${state}.`
        : `    ${explained.length} of ${errors} errors were timeouts of requests to ${whom} ${state}; ` +
          `the other ${errors - explained.length} happened while their node was up.`,
    );
  }
  return lines;
}

/** Whether a completion failed because no reply came in time. */
function isTimeout(op: Op): boolean {
  if (op.error === "net-timeout") return true;
  return typeof op.error === "string" && /No reply from "[^"]*" within \d+ ms/.test(op.error);
}

function isNodeResults(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Orders `n2` before `n10`. */
function compareNodeIds(a: string, b: string): number {
  const na = Number(a.slice(1)), nb = Number(b.slice(1));
  return Number.isNaN(na) || Number.isNaN(nb) || a[0] !== b[0] ? a.localeCompare(b) : na - nb;
}
