/**
 * One Maelstrom test from start to verdict, independent of how nodes are hosted: services up,
 * nodes started and initialised, workload setup, the main phase (paced client ops beside the
 * nemesis), the final phase (heal, recovery wait, final ops), teardown, and analysis.
 *
 * The same code runs real processes in real time and in-process nodes in virtual time: every
 * wait goes through the {@linkcode HarnessClock}.
 *
 * @module
 */
import { RpcError } from "../lib/errors.ts";
import {
  checkAvailability,
  checkExceptions,
  checkNodes,
  checkStats,
  collectBeyondMaelstrom,
} from "./checkers/core.ts";
import { ClientConn, ClientIds } from "./client.ts";
import type { HarnessClock } from "./clock.ts";
import {
  type NemesisContext,
  NemesisUnsupported,
  type RunningNemesis,
  startNemesis,
} from "./nemesis.ts";
import { Network } from "./network.ts";
import type { NodeBackend, NodeProblem } from "./nodes/process.ts";
import { createRng, type SeededRng } from "./rng.ts";
import { createService, SERVICE_IDS } from "./services/kv.ts";
import {
  type CheckResult,
  type Completion,
  MalformedReply,
  mergeValid,
  type Op,
  type OpTemplate,
  type TestOptions,
  type Workload,
  type WorkloadClient,
} from "./types.ts";

/** Maelstrom's per-RPC client timeout. */
export const CLIENT_TIMEOUT_MS = 5000;
/** How long a node has to answer `init`. */
export const INIT_TIMEOUT_MS = 10_000;
/** The quiet period between healing and the final reads. */
export const RECOVERY_MS = 10_000;

/** A test that could not run to analysis (a node silent on `init`, a failed setup). */
export class TestAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TestAbort";
  }
}

/** Everything a test produced. */
export interface TestOutcome {
  history: Op[];
  network: Network;
  results: CheckResult;
  problems: NodeProblem[];
}

/** What the runner needs besides the options. */
export interface RunContext {
  opts: TestOptions;
  workload: Workload;
  backend: NodeBackend;
  clock: HarnessClock;
  /** Receives progress updates (about once a second) and phase messages. */
  progress?: (p: Progress) => void;
  /** Called with the network as soon as it exists (for `--log-net-send` and friends). */
  onNetwork?: (network: Network) => void;
  /** Receives the phase lines Maelstrom logs, such as "Waiting for recovery...". */
  log?: (line: string) => void;
}

/** A snapshot for the progress line. */
export interface Progress {
  phase: "main" | "recovery" | "final" | "analysis";
  elapsedS: number;
  ops: number;
  ok: number;
  fail: number;
  info: number;
  messages: number;
  partition: ReadonlyMap<string, ReadonlySet<string>>;
}

/** An op before the runner stamps its index and time. */
type OpFields = Pick<Op, "type" | "process" | "f" | "value"> & Record<string, unknown>;

/** One worker thread of the main and final phases, as Jepsen's interpreter has them. */
interface Thread {
  index: number;
  process: number;
  node: string;
  busy: boolean;
  conn?: ClientConn;
  client?: WorkloadClient;
  /** The process the open client was opened for. */
  connProcess?: number;
}

/** What the phases of one test share: the network, the history being recorded, the threads and
 * clients, the random streams and the progress line. */
interface TestState {
  ctx: RunContext;
  network: Network;
  ids: ClientIds;
  history: Op[];
  counts: { ok: number; fail: number; info: number };
  threads: Thread[];
  /** The per-node clients Jepsen opens for setup, open until teardown. */
  setupConns: Map<string, ClientConn>;
  /** The per-RPC timeout of worker clients. */
  timeoutMs: number;
  genRng: SeededRng;
  paceRng: SeededRng;
  nemRng: SeededRng;
  /** Set by {@linkcode setUp}, once the nodes are initialised. */
  generator?: ReturnType<Workload["generator"]>;
  /** The running nemesis of the main phase, if `--nemesis` asks for one. */
  nemesis?: RunningNemesis;
  /** Wakers of the main loop, waiting for a thread to become free. */
  freed: (() => void)[];
  phase: Progress["phase"];
  progressTimer?: unknown;
  /** Stamps an op with its index and time and appends it to the history. */
  record(op: OpFields): Op;
}

/** Runs one test and analyses it: setup, the main phase, the final phase (for workloads with
 * final ops), teardown, then the checkers.
 *
 * @example
 * ```ts ignore
 * const outcome = await runTest({ opts, workload, backend, clock: new RealClock() });
 * outcome.results["valid?"];
 * ```
 */
export async function runTest(ctx: RunContext): Promise<TestOutcome> {
  const state = createState(ctx);
  try {
    await setUp(state);
    await runMainPhase(state);
    if (ctx.workload.final) await runFinalPhase(state);
  } finally {
    await tearDown(state);
  }
  state.phase = "analysis";
  reportProgress(state);
  const { opts, workload, backend } = ctx;
  const results = analyse(state.history, state.network, workload, opts, backend.problems);
  return { history: state.history, network: state.network, results, problems: backend.problems };
}

/** The network with Maelstrom's services on it, the threads and the random streams. */
function createState(ctx: RunContext): TestState {
  const { opts, workload, clock } = ctx;
  const rng = createRng(opts.seed);
  // Each consumer of randomness gets its own stream, so they do not disturb one another.
  const netRng = rng.fork(), genRng = rng.fork(), paceRng = rng.fork(), nemRng = rng.fork();
  const svcRng = rng.fork();
  const network = new Network(clock, netRng, opts);
  ctx.onNetwork?.(network);
  const history: Op[] = [];
  const counts = { ok: 0, fail: 0, info: 0 };
  const record = (op: OpFields): Op => {
    const full: Op = {
      ...op,
      index: history.length,
      time: Math.round(network.elapsedMs() * 1e6),
    };
    history.push(full);
    if (full.type !== "invoke" && typeof full.process === "number") counts[full.type]++;
    return full;
  };

  for (const id of SERVICE_IDS) {
    const service = createService(id, svcRng.fork());
    network.register(id, {
      deliver(m) {
        const reply = service.handle(m.src, m.body);
        if (reply === undefined) return;
        if (!network.isRegistered(m.src)) return;
        network.send(id, m.src, { ...reply, in_reply_to: m.body.msg_id ?? null });
      },
    });
  }

  const threads: Thread[] = Array.from({ length: opts.concurrency }, (_, i) => ({
    index: i,
    process: i,
    node: opts.nodes[i % opts.nodes.length],
    busy: false,
  }));
  return {
    ctx,
    network,
    ids: new ClientIds(),
    history,
    counts,
    threads,
    setupConns: new Map(),
    timeoutMs: workload.rpcTimeoutMs?.(opts) ?? CLIENT_TIMEOUT_MS,
    genRng,
    paceRng,
    nemRng,
    freed: [],
    phase: "main",
    record,
  };
}

/** Sends a progress snapshot, if anyone listens. */
function reportProgress(state: TestState): void {
  const { network, counts } = state;
  state.ctx.progress?.({
    phase: state.phase,
    elapsedS: network.elapsedMs() / 1000,
    ops: counts.ok + counts.fail + counts.info,
    ...counts,
    messages: network.journal.length,
    partition: network.grudge,
  });
}

/** Reports progress now and then once a second until teardown. */
function tickProgress(state: TestState): void {
  reportProgress(state);
  state.progressTimer = state.ctx.clock.setTimeout(() => tickProgress(state), 1000);
}

/** Starts and initialises the nodes, opens the setup clients, runs the workload's setup and
 * creates the generator. */
async function setUp(state: TestState): Promise<void> {
  const { opts, workload, backend, clock } = state.ctx;
  const { network, ids, setupConns } = state;
  // Jepsen's core opens one setup client per node for every workload, after the init clients, and
  // keeps them open until teardown (jepsen `core.clj`, `with-client+nemesis-setup-teardown`). Only
  // broadcast sends anything on them, but they take ids c(n)..c(2n-1) in every test, so worker
  // clients start at c(2n) as in Maelstrom.
  await backend.start(opts.nodes, network);
  await initNodes(opts.nodes, opts.nodes, network, clock, ids, backend);
  for (const node of opts.nodes) setupConns.set(node, ClientConn.open(network, clock, ids));
  await workload.setup?.({
    async rpc(node, body) {
      const conn = setupConns.get(node);
      if (!conn) throw new TestAbort(`Setup request "${body.type}" names unknown node "${node}"`);
      try {
        return await conn.rpc(node, body, CLIENT_TIMEOUT_MS);
      } catch (err) {
        throw new TestAbort(`Setup request "${body.type}" to "${node}" failed: ${describe(err)}`);
      }
    },
  }, opts);
  if (state.ctx.progress) tickProgress(state);
  state.generator = workload.generator(opts, state.genRng);
}

/** Runs one op on a thread: invocation, the workload client's call, completion, both recorded. */
async function runOp(state: TestState, th: Thread, tmpl: OpTemplate): Promise<Op> {
  const { opts, workload, clock } = state.ctx;
  const { network, ids, record } = state;
  th.busy = true;
  // Jepsen's `ClientWorker` (generator/interpreter.clj) swaps clients when an op starts, not
  // when the previous one ended `info`: until this thread's next op, its old client stays on
  // the network, so a late reply to it is queued and never read instead of naming a closed
  // client (which would make Maelstrom ignore that node's output from then on).
  if (th.conn && th.connProcess !== th.process && !workload.reusableClients) {
    th.conn.close();
    th.conn = undefined;
    th.client = undefined;
  }
  if (!th.client) {
    const conn = ClientConn.open(network, clock, ids);
    th.conn = conn;
    th.connProcess = th.process;
    th.client = workload.openClient((body) => conn.rpc(th.node, body, state.timeoutMs), opts);
  }
  const { f, value, ...extra } = tmpl;
  const invocation = record({
    ...extra,
    type: "invoke",
    process: th.process,
    f,
    value,
    node: th.node,
    client: th.conn!.id,
  });
  let done: Completion;
  try {
    done = await th.client.invoke(tmpl);
  } catch (err) {
    done = mapError(err, f, workload);
  }
  const { type, value: doneValue, ...doneExtra } = done;
  const completion = record({
    ...extra,
    ...doneExtra,
    type,
    process: th.process,
    f,
    value: doneValue === undefined ? value : doneValue,
    node: th.node,
    client: th.conn!.id,
  });
  // Jepsen gives the thread a new process after an `info`; its client is replaced when the
  // thread's next op starts (above).
  if (type === "info") th.process += opts.concurrency;
  state.generator!.observe?.(invocation, completion);
  th.busy = false;
  for (const wake of state.freed.splice(0)) wake();
  return completion;
}

/** The main phase: client ops paced at --rate, the nemesis beside them; returns once every op
 * in flight has completed and the nemesis has stopped. */
async function runMainPhase(state: TestState): Promise<void> {
  const { opts, clock } = state.ctx;
  const { threads, paceRng } = state;
  const generator = state.generator!;
  const mainStart = clock.now();
  const limitMs = opts.timeLimitS * 1000;
  state.nemesis = opts.nemesis.length > 0
    ? launchNemesis(state.ctx, {
      network: state.network,
      rng: state.nemRng,
      record: state.record,
      ids: state.ids,
      startMs: mainStart,
      limitMs,
    })
    : undefined;
  const inflight = new Set<Promise<Op>>();
  if (opts.rate > 0) {
    // Jepsen's `stagger` (generator.clj): the first op goes out at once, and each next op is
    // due a uniform [0, 2/rate) s after the moment the previous one actually went out, that is
    // max(its slot, now). After a stall (every thread busy) pacing resumes from the present,
    // without a burst of missed slots. `time-limit` stops at the first op due at or after the
    // limit.
    let nextAtMs = 0;
    for (;;) {
      if (nextAtMs >= limitMs) break;
      const wait = mainStart + nextAtMs - clock.now();
      if (wait > 0) await clock.sleep(wait);
      let free = threads.filter((t) => !t.busy);
      while (free.length === 0) {
        await new Promise<void>((r) => state.freed.push(r));
        free = threads.filter((t) => !t.busy);
      }
      const nowMs = clock.now() - mainStart;
      if (nowMs >= limitMs) break;
      const th = paceRng.pick(free);
      const tmpl = generator.next({
        timeS: nowMs / 1000,
        thread: th.index,
        process: th.process,
      });
      nextAtMs = nowMs + paceRng.next() * 2000 / opts.rate;
      if (!tmpl) continue;
      const p = runOp(state, th, tmpl);
      inflight.add(p);
      p.finally(() => inflight.delete(p));
    }
  } else {
    await clock.sleep(limitMs);
  }
  await Promise.all(inflight);
  await state.nemesis?.stop();
}

/** The final phase: heal, start and resume every node, wait for recovery, then the workload's
 * final ops. Only workloads with final ops have it, as in Maelstrom's core.clj: otherwise a node
 * killed or paused near the end stays so until teardown. */
async function runFinalPhase(state: TestState): Promise<void> {
  const { opts, workload, clock } = state.ctx;
  await state.nemesis?.final();
  state.phase = "recovery";
  state.ctx.log?.("Waiting for recovery...");
  await clock.sleep(RECOVERY_MS);
  state.phase = "final";
  const finalStart = clock.now();
  const finalRng = state.genRng.fork();
  await Promise.all(state.threads.map((th) =>
    workload.final!({
      thread: th.index,
      invoke: (op) => runOp(state, th, op),
      sleep: (ms) => clock.sleep(ms),
      elapsedMs: () => clock.now() - finalStart,
      rng: finalRng,
      history: state.history,
    }, opts)
  ));
}

/** Teardown as in Jepsen: worker clients close when the interpreter ends, then the setup
 * clients, then the nemesis heals and the nodes are stopped. A node that replies to a closed
 * client from here on no longer matters. */
async function tearDown(state: TestState): Promise<void> {
  state.ctx.clock.clearTimeout(state.progressTimer);
  state.network.tearDown();
  for (const th of state.threads) th.conn?.close();
  for (const conn of state.setupConns.values()) conn.close();
  state.network.heal();
  await state.ctx.backend.stop();
}

/** Runs every checker and combines their verdicts (false beats unknown beats true). A checker
 * that throws yields `"valid?": "unknown"` with the error, as in Jepsen. Every checker's findings
 * beyond Maelstrom are also collected, with the checker's name, under the top-level
 * `"beyond-maelstrom"` list. */
export function analyse(
  history: readonly Op[],
  network: Network,
  workload: Workload,
  opts: TestOptions,
  problems: readonly NodeProblem[],
): CheckResult {
  const clientOps = history.filter((op) => typeof op.process === "number");
  const guarded = (name: string, fn: () => CheckResult): CheckResult => {
    try {
      return fn();
    } catch (err) {
      return {
        "valid?": "unknown",
        error: `The ${name} checker failed: ${err instanceof Error ? err.stack : String(err)}`,
      };
    }
  };
  const invokes = clientOps.filter((op) => op.type === "invoke").length;
  const results: Record<string, CheckResult> = {
    perf: { "valid?": true, "latency-graph": { "valid?": true }, "rate-graph": { "valid?": true } },
    timeline: { "valid?": true },
    exceptions: guarded("exceptions", () => checkExceptions(clientOps)),
    stats: guarded("stats", () => checkStats(clientOps)),
    availability: guarded("availability", () => checkAvailability(clientOps, opts.availability)),
    net: { ...network.stats(invokes, { excludeSpoofed: opts.strict }), "valid?": true },
    workload: guarded("workload", () => workload.check(clientOps, opts)),
    // Our addition: crashes and malformed output, named, instead of a bare stack trace.
    nodes: checkNodes(problems, opts),
  };
  return {
    ...results,
    "valid?": mergeValid(Object.values(results).map((r) => r["valid?"])),
    "beyond-maelstrom": collectBeyondMaelstrom(results),
  };
}

/** Sends `init` to each of `nodes` (telling each all of `allNodes`) from fresh clients, in
 * parallel; throws a {@linkcode TestAbort} naming every node that died, garbled its output or
 * stayed silent for {@linkcode INIT_TIMEOUT_MS}. */
async function initNodes(
  nodes: readonly string[],
  allNodes: readonly string[],
  network: Network,
  clock: HarnessClock,
  ids: ClientIds,
  backend: NodeBackend,
): Promise<void> {
  const conns = nodes.map(() => ClientConn.open(network, clock, ids));
  const failures: string[] = [];
  // A node that dies or garbles its output during init fails the test at once rather than after
  // the full init timeout.
  const dead = new Map<string, (p: NodeProblem) => void>();
  const previous = backend.onProblem;
  backend.onProblem = (p) => {
    dead.get(p.node)?.(p);
    previous?.(p);
  };
  const describeProblem = (p: NodeProblem) =>
    p.message + (p.line ? `: ${p.line}` : "") +
    (p.stderrTail?.length ? `\n    stderr: ${p.stderrTail.slice(-10).join("\n    stderr: ")}` : "");
  await Promise.all(nodes.map(async (node, i) => {
    const died = new Promise<NodeProblem>((resolve) => dead.set(node, resolve));
    try {
      const reply = await Promise.race([
        conns[i].rpc(
          node,
          { type: "init", node_id: node, node_ids: [...allNodes] },
          INIT_TIMEOUT_MS,
        ),
        died.then((p) => {
          throw new TestAbort(describeProblem(p));
        }),
      ]);
      if (reply.type !== "init_ok") {
        failures.push(`Node "${node}" answered init with "${reply.type}" instead of "init_ok"`);
      }
    } catch (err) {
      if (err instanceof TestAbort) failures.push(err.message);
      else if (err instanceof RpcError && err.code === 0) {
        failures.push(
          `Node "${node}" did not answer init within ${INIT_TIMEOUT_MS} ms; ` +
            `it must reply {"type": "init_ok", "in_reply_to": 1}`,
        );
      } else failures.push(`Node "${node}" answered init with an error: ${describe(err)}`);
    } finally {
      conns[i].close();
      dead.delete(node);
    }
  }));
  backend.onProblem = previous;
  if (failures.length > 0) throw new TestAbort(failures.join("\n"));
}

/** Starts the nemesis of `--nemesis` beside the main phase. A node it restarts is initialised as
 * at start (a fresh client, the same ids); one that does not come back ends the test, named. */
function launchNemesis(
  ctx: RunContext,
  run: Pick<NemesisContext, "network" | "rng" | "record" | "startMs" | "limitMs"> & {
    ids: ClientIds;
  },
): RunningNemesis {
  const { opts, backend, clock } = ctx;
  try {
    return startNemesis({
      ...run,
      opts,
      clock,
      backend,
      initNode: (node) =>
        initNodes([node], opts.nodes, run.network, clock, run.ids, backend).catch((err) => {
          throw new TestAbort(
            `Node "${node}" did not come back after the nemesis restarted it: ${describe(err)}`,
          );
        }),
    });
  } catch (err) {
    if (err instanceof NemesisUnsupported) throw new TestAbort(err.message);
    throw err;
  }
}

/** Maelstrom's `with-errors` (and, for unwrapped workloads, Jepsen's exception handling): turns
 * what `invoke` threw into a completion. */
export function mapError(err: unknown, f: string, workload: Workload): Completion {
  const idempotent = workload.idempotent.has(f);
  if (err instanceof RpcError && workload.wrapped) {
    if (err.code === 0) return { type: idempotent ? "fail" : "info", error: "net-timeout" };
    return {
      type: err.definite || idempotent ? "fail" : "info",
      error: [err.codeName, err.message],
    };
  }
  const cls = err instanceof MalformedReply
    ? "MalformedReply"
    : err instanceof RpcError
    ? "RpcError"
    : err instanceof Error
    ? err.name
    : "Error";
  const message = err instanceof Error ? err.message : String(err);
  return {
    type: "info",
    error: `indeterminate: ${message}`,
    exception: { class: cls, message },
  };
}

function describe(err: unknown): string {
  if (err instanceof RpcError) return `error ${err.code} (${err.codeName}): ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
