/**
 * Hosts `lib/` nodes inside the harness process, in virtual time: each node gets an in-memory
 * transport, the harness's {@linkcode VirtualClock} and a seeded random source, so one seed
 * reproduces a whole run, byte for byte, in a fraction of its real duration.
 *
 * @module
 */
import { configureSync, getConfig, type LogRecord, resetSync } from "@logtape/logtape";
import type { Node, NodeOptions } from "../../lib/node.ts";
import type { Clock, TimerHandle } from "../../lib/clock.ts";
import { MemoryTransport as SimTransport } from "../../lib/transport.ts";
import type { VirtualClock } from "../clock.ts";
import { stringifyExact } from "../json.ts";
import type { Network, WireMessage } from "../network.ts";
import { createRng, type SeededRng } from "../rng.ts";
import { type NodeBackend, type NodeProblem, routeLine, spoofRecorder } from "./process.ts";

/** What a challenge module exports for the simulator: a factory that builds its node around the
 * given transport, clock and random source. `args` are the extra command-line arguments of the
 * test, which a real process would find in `Deno.args`. */
export type NodeFactory = (
  options: NodeOptions,
  args: readonly string[],
) => Pick<Node, "run" | "close">;

/** Imports a challenge file and returns its `createNode` export, or throws a sentence saying
 * what the file lacks. */
export async function loadFactory(path: string): Promise<NodeFactory> {
  const url = new URL(path, `file://${Deno.cwd()}/`).href;
  const mod = await import(url);
  if (typeof mod.createNode !== "function") {
    throw new Error(
      `"${path}" does not export a createNode(options) function, so it cannot be simulated`,
    );
  }
  return mod.createNode as NodeFactory;
}

/** The random source of the simulated nodes for a test seed: a stream apart from the harness's
 * own, so a node that draws more or fewer numbers does not change the harness's choices. */
export function nodeRng(seed: number): SeededRng {
  return createRng(seed ^ 0x5eed);
}

/** A pending timer of one node life, as the node's handle. */
interface LifeTimer {
  inner: TimerHandle;
  cancelled: boolean;
}

/** The most timer firings and deliveries a paused node holds; beyond it the oldest are dropped
 * (a real stopped process's pipe would fill and block its writers at some point too). */
export const MAX_HELD_EVENTS = 100_000;

/** One life of a simulated node: its view of the harness clock, and its held work while paused.
 *
 * Every timer the node sets goes through this view, so killing the life cancels them all: a
 * stale timer can never fire into the node's next life. While the life is paused, timers that
 * come due and messages that arrive are held in the order they came, and run on resume.
 *
 * @example
 * ```ts
 * import { NodeLife } from "./sim.ts";
 * import { VirtualClock } from "../clock.ts";
 * const clock = new VirtualClock();
 * const life = new NodeLife(clock, 0);
 * const fired: number[] = [];
 * await clock.run(async () => {
 *   life.clock.setTimeout(() => fired.push(clock.now()), 10);
 *   life.pause();
 *   await clock.sleep(50);
 *   life.resume(); // the timer that came due at 10 fires now, at 50
 * });
 * fired; // [50]
 * ```
 */
export class NodeLife {
  /** The clock the node instance of this life is given. */
  readonly clock: Clock;
  /** When this life began, in network milliseconds: messages sent before it went to the dead
   * node's queue, which a restart replaces. */
  readonly startedMs: number;
  #base: Clock;
  #timers = new Set<LifeTimer>();
  #held: { timer?: LifeTimer; run: () => void }[] = [];
  #dead = false;
  #paused = false;

  constructor(base: Clock, startedMs: number) {
    this.#base = base;
    this.startedMs = startedMs;
    this.clock = {
      now: () => base.now(),
      setTimeout: (fn, ms) => this.#setTimeout(fn, ms),
      clearTimeout: (handle) => this.#clearTimeout(handle as LifeTimer),
    };
  }

  get dead(): boolean {
    return this.#dead;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Runs `fn` now, or holds it until resume; does nothing once the life has ended. */
  run(fn: () => void): void {
    if (this.#dead) return;
    if (this.#paused) this.#hold({ run: fn });
    else fn();
  }

  /** Ends the life: every pending timer and held event is dropped. */
  kill(): void {
    this.#dead = true;
    this.#paused = false;
    for (const t of this.#timers) this.#base.clearTimeout(t.inner);
    this.#timers.clear();
    this.#held = [];
  }

  pause(): void {
    if (!this.#dead) this.#paused = true;
  }

  /** Unfreezes the life and runs what it held, oldest first. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    for (const h of held) {
      if (this.#dead) return;
      if (h.timer?.cancelled) continue;
      h.run();
    }
  }

  #hold(h: { timer?: LifeTimer; run: () => void }): void {
    if (this.#held.length >= MAX_HELD_EVENTS) this.#held.shift();
    this.#held.push(h);
  }

  #setTimeout(fn: () => void, ms: number): LifeTimer {
    const timer: LifeTimer = { inner: undefined, cancelled: false };
    if (this.#dead) return timer;
    timer.inner = this.#base.setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#dead || timer.cancelled) return;
      if (this.#paused) this.#hold({ timer, run: fn });
      else fn();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  #clearTimeout(timer: LifeTimer | undefined): void {
    if (!timer) return;
    timer.cancelled = true;
    this.#base.clearTimeout(timer.inner);
    this.#timers.delete(timer);
  }
}

/** Options of {@linkcode SimBackend}. */
export interface SimBackendOptions {
  factory: NodeFactory;
  clock: VirtualClock;
  rng: SeededRng;
  /** Where `<node>.log` files go. */
  logDir: string;
  logStderr: boolean;
  /** Extra node arguments (`maelstrom test ... -- args`). */
  args?: readonly string[];
  /** Called whenever node code is entered (its `createNode`, a message handed to it, one of its
   * timers firing), naming the node and what it is doing, e.g. `handling a "broadcast" message`.
   * The watchdog of `harness/seeds.ts` records it so that a node stuck in a loop is named. */
  onEnter?: (node: string, activity: string) => void;
}

/** Thrown from a simulated node's `Deno.exit`: it unwinds the node's stack without ending the
 * harness, as the exit of a node process would end only that process.
 *
 * @example
 * ```ts
 * import { NodeExit } from "./sim.ts";
 * new NodeExit("n1", 7).message; // 'Node "n1" called Deno.exit(7)'
 * ```
 */
export class NodeExit extends Error {
  constructor(readonly node: string, readonly code: number) {
    super(`Node "${node}" called Deno.exit(${code})`);
    this.name = "NodeExit";
  }
}

/** The most log lines kept per node. */
const MAX_LOG_LINES = 100_000;

/** The current life of one simulated node. */
interface SimNode {
  id: string;
  transport: SimTransport;
  node: Pick<Node, "run" | "close">;
  life: NodeLife;
  /** The network's id of the first message sent during this life; older messages were queued
   * for an earlier, killed life. */
  firstMessageId: number;
}

/** Runs nodes in-process on the virtual clock.
 *
 * @example
 * ```ts ignore
 * const clock = new VirtualClock();
 * const backend = new SimBackend({ factory, clock, rng: createRng(1), logDir, logStderr: false });
 * const outcome = await clock.run(() => runTest({ opts, workload, backend, clock }));
 * ```
 */
export class SimBackend implements NodeBackend {
  readonly problems: NodeProblem[] = [];
  onProblem: ((problem: NodeProblem) => void) | undefined;
  #opts: SimBackendOptions;
  #nodes = new Map<string, SimNode>();
  #logs = new Map<string, string[]>();
  /** Spoofed lines are findings, not failures: they bypass onProblem, which aborts init. */
  #onSpoofed = spoofRecorder(this.problems);
  #network: Network | undefined;
  /** The node whose code was entered last: the one to blame for a `Deno.exit` or a rejection. */
  #current: string | undefined;
  /** Nodes that exited (`Deno.exit`) or crashed (`createNode` or a handler threw): like a dead
   * process, they receive nothing, say nothing and run no timers. The nemesis's `restart` brings
   * back only nodes it killed itself. */
  #dead = new Set<string>();
  #realExit: typeof Deno.exit | undefined;
  #onRejection = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    if (e.reason instanceof NodeExit) return;
    const reason = e.reason instanceof Error ? e.reason.stack ?? e.reason.message : e.reason;
    this.#report({
      node: this.#current ?? "?",
      kind: "crashed",
      message: `A node left a promise rejection unhandled: ${String(reason).split("\n")[0]}`,
      stderrTail: String(reason).split("\n"),
      atMs: this.#network?.elapsedMs() ?? 0,
    });
  };

  constructor(opts: SimBackendOptions) {
    this.#opts = opts;
  }

  start(nodes: readonly string[], network: Network): Promise<void> {
    this.#network = network;
    this.#captureLogs();
    globalThis.addEventListener("unhandledrejection", this.#onRejection);
    this.#interceptExit();
    for (const id of nodes) {
      this.#nodes.set(id, this.#spawn(id, network));
      network.register(id, {
        // A dead node's messages are lost; so are messages sent before a restart, which sat in
        // the dead node's queue (a restart installs a fresh one).
        // A node that crashed on its own is "dead": as for a process that exited, Maelstrom still
        // journals messages to it as received.
        state: (m) => {
          const n = this.#nodes.get(id);
          if (n === undefined || n.life.dead || m.id < n.firstMessageId) return "killed";
          return this.#dead.has(id) ? "dead" : "up";
        },
        deliver: (m: WireMessage) => {
          const n = this.#nodes.get(id);
          const line = stringifyExact({ id: m.id, src: m.src, dest: m.dest, body: m.body });
          n?.life.run(() => {
            if (this.#dead.has(id)) return;
            this.#enter(id, handlingLabel(m.body.type));
            // What a node throws synchronously would kill its process: here it kills the node.
            try {
              n.transport.deliver(line);
            } catch (err) {
              this.#crashed(id, err);
            }
          });
        },
      });
    }
    return Promise.resolve();
  }

  /** Builds one life of node `id`: a transport, a clock view and a node from the factory. */
  #spawn(id: string, network: Network): SimNode {
    const life = new NodeLife(this.#nodeClock(id), network.elapsedMs());
    let muted = false;
    const transport = new SimTransport((line) => {
      // A killed node's last microtasks may still write; a dead process writes nothing.
      if (muted || life.dead || this.#dead.has(id)) return;
      const problem = routeLine(id, line, network, this.#onSpoofed);
      if (problem) {
        muted = true;
        this.#report(problem);
      }
    });
    const random = this.#opts.rng.fork();
    this.#enter(id, "starting (its createNode)");
    let node: Pick<Node, "run" | "close">;
    try {
      node = this.#opts.factory({
        transport,
        clock: life.clock,
        random: () => random.next(),
      }, this.#opts.args ?? []);
      node.run().catch((err) => {
        if (!life.dead) this.#crashed(id, err);
      });
    } catch (err) {
      // The node's own code failed: that is the node's crash, not the harness's. A process
      // that throws while starting exits a moment later, once the harness waits on it (for
      // init); the crash is reported the same way, on the next tick of virtual time.
      this.#dead.add(id);
      this.#opts.clock.setTimeout(() => this.#report(this.#crashProblem(id, err)), 0);
      node = { run: () => Promise.resolve(), close() {} };
    }
    return { id, transport, node, life, firstMessageId: network.journal.length };
  }

  #enter(node: string, activity: string): void {
    this.#current = node;
    this.#opts.onEnter?.(node, activity);
  }

  /** The node's view of the virtual clock, under its lives' own views: its timer callbacks are
   * labelled for the watchdog and stop firing once the node has crashed. */
  #nodeClock(id: string): Clock {
    const clock = this.#opts.clock;
    return {
      now: () => clock.now(),
      setTimeout: (fn, ms) =>
        clock.setTimeout(() => {
          if (this.#dead.has(id)) return;
          this.#enter(id, `running a ${ms} ms timer callback`);
          try {
            fn();
          } catch (err) {
            this.#crashed(id, err);
          }
        }, ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
    };
  }

  /** Records a node's crash once; a `Deno.exit` was already recorded when it was called. */
  #crashed(id: string, err: unknown): void {
    if (err instanceof NodeExit || this.#dead.has(id)) return;
    this.#dead.add(id);
    this.#report(this.#crashProblem(id, err));
  }

  #crashProblem(id: string, err: unknown): NodeProblem {
    return {
      node: id,
      kind: "crashed",
      message: `Node "${id}" crashed: ${err instanceof Error ? err.message : String(err)}`,
      stderrTail: err instanceof Error && err.stack ? err.stack.split("\n") : [],
      atMs: this.#network?.elapsedMs() ?? 0,
    };
  }

  /** A simulated node shares the harness's process, so its `Deno.exit` would end the whole test
   * without a word. While nodes run, `Deno.exit` instead records the calling node as crashed
   * with that exit status (as Maelstrom reports a node process that exits) and throws
   * {@linkcode NodeExit} to unwind the node's code. */
  #interceptExit(): void {
    if (this.#realExit) return;
    this.#realExit = Deno.exit;
    Deno.exit = ((code?: number): never => {
      const node = this.#current ?? "?";
      const status = code ?? 0;
      if (!this.#dead.has(node)) {
        this.#dead.add(node);
        this.#report({
          node,
          kind: "crashed",
          message:
            `Node "${node}" called Deno.exit(${status}) while the test was running: a node that ` +
            `exits is a crashed node`,
          status: { code: status, signal: null },
          stderrTail: (new Error().stack ?? "").split("\n").slice(2),
          atMs: this.#network?.elapsedMs() ?? 0,
        });
      }
      throw new NodeExit(node, status);
    }) as typeof Deno.exit;
  }

  /** Kills the node's current life: the instance, its timers and pending RPCs are dropped, and
   * messages to it are lost until a restart. Idempotent. */
  kill(node: string): Promise<void> {
    const n = this.#nodes.get(node);
    if (n && !n.life.dead) {
      n.life.kill();
      n.transport.end();
      this.#note(node, "killed by the nemesis");
    }
    return Promise.resolve();
  }

  /** Builds a fresh life of a killed node with `createNode`; a live node is left alone. */
  restart(node: string): Promise<void> {
    const n = this.#nodes.get(node);
    if (n && n.life.dead && this.#network) {
      this.#note(node, "restarted by the nemesis");
      this.#nodes.set(node, this.#spawn(node, this.#network));
    }
    return Promise.resolve();
  }

  /** Freezes the node: deliveries and timers are held until {@linkcode SimBackend.resume}. */
  pause(node: string): Promise<void> {
    const n = this.#nodes.get(node);
    if (n && !n.life.dead && !n.life.paused) {
      n.life.pause();
      this.#note(node, "paused by the nemesis");
    }
    return Promise.resolve();
  }

  /** Unfreezes the node and runs what it held, in the order it came. */
  resume(node: string): Promise<void> {
    const n = this.#nodes.get(node);
    if (n && n.life.paused) {
      this.#note(node, "resumed by the nemesis");
      n.life.resume();
    }
    return Promise.resolve();
  }

  /** Writes a harness line into the node's log, so a reader sees where a life ended or began. */
  #note(node: string, what: string): void {
    const lines = this.#logs.get(node) ?? [];
    if (lines.length < MAX_LOG_LINES) {
      lines.push(`${(this.#opts.clock.now() / 1000).toFixed(3)} [harness] Node ${what}\n`);
    }
    this.#logs.set(node, lines);
  }

  #report(problem: NodeProblem): void {
    this.problems.push(problem);
    this.onProblem?.(problem);
  }

  stop(): Promise<void> {
    for (const n of this.#nodes.values()) {
      // Teardown kills every node, paused or not; nothing it held runs.
      n.life.kill();
      n.transport.end();
      n.node.close();
    }
    globalThis.removeEventListener("unhandledrejection", this.#onRejection);
    if (this.#realExit) Deno.exit = this.#realExit;
    this.#realExit = undefined;
    Deno.mkdirSync(this.#opts.logDir, { recursive: true });
    for (const n of this.#nodes.values()) {
      const lines = this.#logs.get(n.id) ?? [];
      Deno.writeTextFileSync(`${this.#opts.logDir}/${n.id}.log`, lines.join(""));
    }
    return Promise.resolve();
  }

  /** Routes the nodes' LogTape records into per-node logs (and to stderr with `--log-stderr`),
   * stamped with virtual time so logs are as reproducible as the run. */
  #captureLogs(): void {
    if (getConfig() !== null) resetSync();
    const clock = this.#opts.clock;
    configureSync({
      sinks: {
        sim: (record: LogRecord) => {
          const node = String(record.properties.node ?? "unknown");
          const text = `${(clock.now() / 1000).toFixed(3)} [${record.level}] ${
            renderMessage(record)
          }\n`;
          const lines = this.#logs.get(node) ?? [];
          if (lines.length < MAX_LOG_LINES) lines.push(text);
          this.#logs.set(node, lines);
          if (this.#opts.logStderr) {
            Deno.stderr.writeSync(new TextEncoder().encode(`[${node}] ${text}`));
          }
        },
      },
      loggers: [
        { category: ["glomers"], lowestLevel: "info", sinks: ["sim"] },
        { category: ["logtape", "meta"], lowestLevel: "error", sinks: ["sim"] },
      ],
    });
  }
}

function renderMessage(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : String(part)).join("");
}

/** The watchdog's label for handling a message of `type`, one string per type: it is written on
 * every delivery, and most runs know a handful of types. */
function handlingLabel(type: unknown): string {
  const key = String(type);
  let label = HANDLING_LABELS.get(key);
  if (label === undefined) {
    label = `handling a ${JSON.stringify(key)} message`;
    // Bounded: a node that invents types freely gets fresh strings past the cap, nothing worse.
    if (HANDLING_LABELS.size < 1000) HANDLING_LABELS.set(key, label);
  }
  return label;
}

const HANDLING_LABELS = new Map<string, string>();
