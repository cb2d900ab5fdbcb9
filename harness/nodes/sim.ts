/**
 * Hosts `lib/` nodes inside the harness process, in virtual time: each node gets an in-memory
 * transport, the harness's {@linkcode VirtualClock} and a seeded random source, so one seed
 * reproduces a whole run, byte for byte, in a fraction of its real duration.
 *
 * @module
 */
import { configureSync, getConfig, type LogRecord, resetSync } from "@logtape/logtape";
import type { Node, NodeOptions } from "../../lib/node.ts";
import type { Clock, Transport } from "../../lib/transport.ts";
import type { VirtualClock } from "../clock.ts";
import type { Network } from "../network.ts";
import { createRng, type SeededRng } from "../rng.ts";
import { type NodeBackend, type NodeProblem, routeLine } from "./process.ts";

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

class SimTransport implements Transport {
  #onLine: ((line: string) => void) | undefined;
  #end: (() => void) | undefined;
  #write: (line: string) => void;

  constructor(write: (line: string) => void) {
    this.#write = write;
  }

  start(onLine: (line: string) => void): Promise<void> {
    this.#onLine = onLine;
    return new Promise((resolve) => (this.#end = resolve));
  }

  deliver(line: string): void {
    this.#onLine?.(line);
  }

  end(): void {
    this.#end?.();
  }

  write(line: string): void {
    this.#write(line);
  }

  flush(): Promise<void> {
    return Promise.resolve();
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
   * The watchdog of {@linkcode runSeeds} records it so that a node stuck in a loop is named. */
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
  #nodes: { id: string; transport: SimTransport; node: Pick<Node, "run" | "close"> }[] = [];
  #logs = new Map<string, string[]>();
  #network: Network | undefined;
  /** The node whose code was entered last: the one to blame for a `Deno.exit` or a rejection. */
  #current: string | undefined;
  /** Nodes that exited (`Deno.exit`) or whose `createNode` threw: like a dead process, they
   * receive nothing, say nothing and run no timers. */
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
      let muted = false;
      const transport = new SimTransport((line) => {
        if (muted || this.#dead.has(id)) return;
        const problem = routeLine(id, line, network);
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
          clock: this.#nodeClock(id),
          random: () => random.next(),
        }, this.#opts.args ?? []);
        node.run().catch((err) => this.#crashed(id, err));
      } catch (err) {
        // The node's own code failed: that is the node's crash, not the harness's. A process
        // that throws while starting exits a moment later, once the harness waits on it (for
        // init); the crash is reported the same way, on the next tick of virtual time.
        this.#dead.add(id);
        this.#opts.clock.setTimeout(() => this.#report(this.#crashProblem(id, err)), 0);
        node = { run: () => Promise.resolve(), close() {} };
      }
      this.#nodes.push({ id, transport, node });
      network.register(id, {
        deliver: (m) => {
          if (this.#dead.has(id)) return;
          this.#enter(id, `handling a ${JSON.stringify(String(m.body.type))} message`);
          const line = JSON.stringify({ id: m.id, src: m.src, dest: m.dest, body: m.body });
          // What a node throws synchronously would kill its process: here it kills the node.
          try {
            transport.deliver(line);
          } catch (err) {
            this.#crashed(id, err);
          }
        },
      });
    }
    return Promise.resolve();
  }

  #enter(node: string, activity: string): void {
    this.#current = node;
    this.#opts.onEnter?.(node, activity);
  }

  /** The node's view of the virtual clock: its timer callbacks are labelled for the watchdog and
   * stop firing once the node is dead. */
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

  #report(problem: NodeProblem): void {
    this.problems.push(problem);
    this.onProblem?.(problem);
  }

  stop(): Promise<void> {
    for (const n of this.#nodes) {
      n.transport.end();
      n.node.close();
    }
    globalThis.removeEventListener("unhandledrejection", this.#onRejection);
    if (this.#realExit) Deno.exit = this.#realExit;
    this.#realExit = undefined;
    Deno.mkdirSync(this.#opts.logDir, { recursive: true });
    for (const n of this.#nodes) {
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
          if (lines.length < 100_000) lines.push(text);
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
