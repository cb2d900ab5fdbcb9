/**
 * Hosts `lib/` nodes inside the harness process, in virtual time: each node gets an in-memory
 * transport, the harness's {@linkcode VirtualClock} and a seeded random source, so one seed
 * reproduces a whole run, byte for byte, in a fraction of its real duration.
 *
 * @module
 */
import { configureSync, getConfig, type LogRecord, resetSync } from "@logtape/logtape";
import type { Node, NodeOptions } from "../../lib/node.ts";
import type { Transport } from "../../lib/transport.ts";
import type { VirtualClock } from "../clock.ts";
import { stringifyExact } from "../json.ts";
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
  #onRejection = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    const reason = e.reason instanceof Error ? e.reason.stack ?? e.reason.message : e.reason;
    this.#report({
      node: "?",
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
    for (const id of nodes) {
      let muted = false;
      const transport = new SimTransport((line) => {
        if (muted) return;
        const problem = routeLine(id, line, network);
        if (problem) {
          muted = true;
          this.#report(problem);
        }
      });
      const random = this.#opts.rng.fork();
      const node = this.#opts.factory({
        transport,
        clock: this.#opts.clock,
        random: () => random.next(),
      }, this.#opts.args ?? []);
      node.run().catch((err) => {
        this.#report({
          node: id,
          kind: "crashed",
          message: `Node "${id}" crashed: ${err instanceof Error ? err.message : String(err)}`,
          stderrTail: err instanceof Error && err.stack ? err.stack.split("\n") : [],
          atMs: network.elapsedMs(),
        });
      });
      this.#nodes.push({ id, transport, node });
      network.register(id, {
        deliver(m) {
          transport.deliver(stringifyExact({ id: m.id, src: m.src, dest: m.dest, body: m.body }));
        },
      });
    }
    return Promise.resolve();
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
