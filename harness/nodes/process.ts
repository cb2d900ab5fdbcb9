/**
 * Runs each node as an OS process, as Maelstrom does: the binary with the extra command-line
 * arguments, the temp dir as working directory, one JSON message per line on stdin and stdout,
 * stderr kept per node. Crashes and malformed output are recorded as {@linkcode NodeProblem}s.
 *
 * @module
 */
import { parseExact, stringifyExact } from "../json.ts";
import type { Network, WireMessage } from "../network.ts";
import { UnknownEndpointError } from "../network.ts";

/** Something wrong with a node that the result and the summary must name. */
export interface NodeProblem {
  node: string;
  kind: "crashed" | "bad-line";
  /** A sentence a person can act on. */
  message: string;
  /** The offending stdout line, for `bad-line`. */
  line?: string;
  /** The exit code or signal, for `crashed`. */
  status?: { code: number; signal: string | null };
  /** The node's last stderr lines, for `crashed`. */
  stderrTail?: string[];
  /** Milliseconds since the test started. */
  atMs: number;
}

/** How a runner hosts nodes: as processes here, in-process in the simulator. */
export interface NodeBackend {
  /** Starts the nodes and registers each on the network. */
  start(nodes: readonly string[], network: Network): Promise<void>;
  /** Stops every node; resolves once all have exited. Safe to call more than once. */
  stop(): Promise<void>;
  /** Crashes and protocol violations seen so far. */
  readonly problems: NodeProblem[];
  /** Called with each problem as it happens (the runner uses it to fail `init` fast). */
  onProblem?: (problem: NodeProblem) => void;
  /** `--nemesis kill`: kills the node (a process and everything it spawned; in the simulator, the
   * node instance with its timers and pending RPCs). The node stays registered on the network;
   * messages sent to it while it is dead are lost. Idempotent. */
  kill?(node: string): Promise<void>;
  /** Starts a fresh instance of a killed node (same binary and arguments) and registers it with a
   * fresh inbound queue; the runner then sends `init` again. A live node is left alone. */
  restart?(node: string): Promise<void>;
  /** `--nemesis pause`: suspends the node (SIGSTOP; in the simulator its deliveries and timers are
   * held). Idempotent. */
  pause?(node: string): Promise<void>;
  /** Resumes a paused node (SIGCONT; in the simulator, held deliveries and timers run). */
  resume?(node: string): Promise<void>;
}

/** Options of {@linkcode ProcessBackend}. */
export interface ProcessBackendOptions {
  /** The executable, absolute. */
  bin: string;
  /** Extra arguments for every node. */
  args: string[];
  /** Where `<node>.log` files go (created if missing). */
  logDir: string;
  /** Also show each stderr line on our stderr, prefixed with the node id. */
  logStderr: boolean;
  /** Working directory of the nodes; the system temp dir by default. */
  cwd?: string;
}

const TAIL_LINES = 32;
const KILL_WAIT_MS = 5000;

/** Every live child of every backend, so a Ctrl-C or an uncaught error can kill them all. */
const liveChildren = new Set<Deno.ChildProcess>();

/** Kills every node process this program started and has not yet reaped. Called on Ctrl-C and
 * on fatal errors, so no child outlives the harness. */
export function killAllChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Resolves a `--bin` path against the working directory and checks it can be run. Throws a
 * sentence that says what is wrong.
 *
 * @example
 * ```ts ignore
 * resolveBinary("launchers/echo"); // "/work/main/launchers/echo"
 * ```
 */
export function resolveBinary(path: string, requireExecutable = true): string {
  let real: string;
  try {
    real = Deno.realPathSync(path);
  } catch {
    throw new Error(`The binary "${path}" does not exist`);
  }
  const info = Deno.statSync(real);
  if (!info.isFile) throw new Error(`The binary "${path}" is not a file`);
  if (requireExecutable && info.mode !== null && (info.mode & 0o111) === 0) {
    throw new Error(`The binary "${path}" is not executable (try: chmod +x ${path})`);
  }
  return real;
}

interface Proc {
  id: string;
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  pending: string[];
  flushing: boolean;
  muted: boolean;
  exited: boolean;
  stderrTail: string[];
  stdoutTail: string[];
  done: Promise<void>;
}

/** Hosts nodes as child processes.
 *
 * @example
 * ```ts ignore
 * const backend = new ProcessBackend({ bin, args: [], logDir: "store/x/node-logs", logStderr: false });
 * await backend.start(["n0", "n1"], network);
 * // ... run the test ...
 * await backend.stop();
 * ```
 */
export class ProcessBackend implements NodeBackend {
  readonly problems: NodeProblem[] = [];
  onProblem: ((problem: NodeProblem) => void) | undefined;
  #opts: ProcessBackendOptions;
  #procs: Proc[] = [];
  #stopping = false;
  #encoder = new TextEncoder();
  #network: Network | undefined;

  constructor(opts: ProcessBackendOptions) {
    this.#opts = opts;
  }

  start(nodes: readonly string[], network: Network): Promise<void> {
    this.#network = network;
    Deno.mkdirSync(this.#opts.logDir, { recursive: true });
    for (const id of nodes) {
      const child = new Deno.Command(this.#opts.bin, {
        args: this.#opts.args,
        cwd: this.#opts.cwd ?? tempDir(),
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      liveChildren.add(child);
      const proc: Proc = {
        id,
        child,
        writer: child.stdin.getWriter(),
        pending: [],
        flushing: false,
        muted: false,
        exited: false,
        stderrTail: [],
        stdoutTail: [],
        done: Promise.resolve(),
      };
      const log = Deno.openSync(`${this.#opts.logDir}/${id}.log`, {
        create: true,
        write: true,
        truncate: true,
      });
      const reading = Promise.all([
        this.#readStdout(proc),
        this.#readStderr(proc, log),
      ]).finally(() => log.close());
      proc.done = Promise.all([reading, child.status]).then(([, status]) =>
        this.#exited(proc, status)
      );
      this.#procs.push(proc);
      network.register(id, { deliver: (m) => this.#deliver(proc, m) });
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const p of this.#procs) {
      if (p.exited) continue;
      try {
        p.child.kill("SIGKILL");
      } catch {
        // It exited between the check and the kill.
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(this.#procs.map((p) => p.done)),
      new Promise((r) => (timer = setTimeout(r, KILL_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  #deliver(proc: Proc, m: WireMessage): void {
    if (proc.exited) return;
    // Exact, so a 64-bit integer or a `1.0` another node wrote arrives with every digit.
    proc.pending.push(stringifyExact({ id: m.id, src: m.src, dest: m.dest, body: m.body }));
    if (!proc.flushing) {
      proc.flushing = true;
      queueMicrotask(() => this.#flush(proc));
    }
  }

  async #flush(proc: Proc): Promise<void> {
    try {
      while (proc.pending.length > 0 && !proc.exited) {
        const batch = proc.pending.join("\n") + "\n";
        proc.pending = [];
        await proc.writer.write(this.#encoder.encode(batch));
      }
    } catch {
      // The node is gone; its exit is reported by #exited.
      proc.pending = [];
    } finally {
      proc.flushing = false;
    }
  }

  async #readStdout(proc: Proc): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for await (const chunk of proc.child.stdout) {
        const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.#onStdoutLine(proc, line);
      }
    } catch {
      // The pipe broke because the process was killed.
    }
    if (partial.length > 0) this.#onStdoutLine(proc, partial);
  }

  #onStdoutLine(proc: Proc, line: string): void {
    remember(proc.stdoutTail, line);
    // Maelstrom stops reading a node's stdout after its first bad line; so do we, and we say so.
    if (proc.muted) return;
    const problem = routeLine(proc.id, line, this.#network!);
    if (problem) {
      proc.muted = true;
      this.problems.push(problem);
      this.onProblem?.(problem);
    }
  }

  async #readStderr(proc: Proc, log: Deno.FsFile): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for await (const chunk of proc.child.stderr) {
        await log.write(chunk);
        const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          remember(proc.stderrTail, line);
          if (this.#opts.logStderr) console.error(`[${proc.id}] ${line}`);
        }
      }
    } catch {
      // Killed.
    }
    if (partial) remember(proc.stderrTail, partial);
  }

  #exited(proc: Proc, status: Deno.CommandStatus): void {
    proc.exited = true;
    liveChildren.delete(proc.child);
    if (this.#stopping) return;
    const how = status.signal ? `signal ${status.signal}` : `exit status ${status.code}`;
    const problem: NodeProblem = {
      node: proc.id,
      kind: "crashed",
      message: `Node "${proc.id}" crashed with ${how} while the test was running`,
      status: { code: status.code, signal: status.signal },
      stderrTail: [...proc.stderrTail],
      atMs: this.#network!.elapsedMs(),
    };
    this.problems.push(problem);
    this.onProblem?.(problem);
  }
}

/** Puts one line a node wrote onto the network. Returns the problem when Maelstrom would reject
 * the line (not JSON, a bad envelope, an unknown endpoint); the caller then ignores the rest of
 * that node's output, as Maelstrom does. */
export function routeLine(node: string, line: string, network: Network): NodeProblem | undefined {
  const problem = (reason: string): NodeProblem => ({
    node,
    kind: "bad-line",
    message: `Node "${node}" wrote a line Maelstrom cannot accept (${reason}); ` +
      `as in Maelstrom, the rest of its output is ignored and its requests time out`,
    line: line.length > 500 ? line.slice(0, 500) + "…" : line,
    atMs: network.elapsedMs(),
  });
  let msg: unknown;
  try {
    // Maelstrom's JSON reader keeps integers past 2^53 and tells 1.0 from 1; so does parseExact.
    msg = parseExact(line);
  } catch {
    return problem("it is not JSON; logs belong on stderr");
  }
  const shape = checkShape(msg);
  if (shape) return problem(shape);
  const m = msg as { src: string; dest: string; body: Record<string, unknown> };
  try {
    network.send(m.src, m.dest, m.body);
  } catch (err) {
    if (err instanceof UnknownEndpointError) return problem(err.message);
    throw err;
  }
  return undefined;
}

/** Checks a parsed stdout line against Maelstrom's envelope: exactly `src` and `dest` (strings),
 * `body` (an object), and optionally an integer `id`. Returns what is wrong, or `undefined`. */
export function checkShape(msg: unknown): string | undefined {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    return "it is not a JSON object";
  }
  const m = msg as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!["src", "dest", "body", "id"].includes(key)) return `unexpected top-level key "${key}"`;
  }
  if (typeof m.src !== "string") return `"src" must be a string`;
  if (typeof m.dest !== "string") return `"dest" must be a string`;
  if (typeof m.body !== "object" || m.body === null || Array.isArray(m.body)) {
    return `"body" must be an object`;
  }
  if ("id" in m && !Number.isInteger(m.id)) return `"id" must be an integer`;
  return undefined;
}

function remember(tail: string[], line: string): void {
  tail.push(line);
  if (tail.length > TAIL_LINES) tail.shift();
}

function tempDir(): string {
  try {
    return Deno.env.get("TMPDIR") ?? "/tmp";
  } catch {
    return "/tmp";
  }
}
