/**
 * Runs each node as an OS process, as Maelstrom does: the binary with the extra command-line
 * arguments, the temp dir as working directory, one JSON message per line on stdin and stdout,
 * stderr kept per node. Crashes and malformed output are recorded as {@linkcode NodeProblem}s.
 *
 * Each node runs in its own process group, so everything it forks is killed with it: at the end
 * of the test, on errors, on Ctrl-C, SIGTERM and SIGHUP, and by `--nemesis kill`.
 *
 * @module
 */
import { isExactInt, parseExact, stringifyExact } from "../json.ts";
import type { JournalEntry, Network, WireMessage } from "../network.ts";
import { UnknownEndpointError } from "../network.ts";
import { CappedLog, closeAllLogs, LineSplitter, LOG_CAP_BYTES, MAX_LINE_BYTES } from "./pipes.ts";

/** Something wrong with a node that the result and the summary must name. */
export interface NodeProblem {
  node: string;
  /** `spoofed-src` is a check Maelstrom does not make: the runner reports it as a
   * `"beyond-maelstrom"` finding of the `nodes` result rather than as a problem. */
  kind: "crashed" | "bad-line" | "spoofed-src";
  /** A sentence a person can act on. */
  message: string;
  /** The offending stdout line, for `bad-line` and `spoofed-src` (cut at 500 characters). */
  line?: string;
  /** The `src` the line claimed, for `spoofed-src`. */
  claimedSrc?: string;
  /** For the last `spoofed-src` problem of a node that spoofed more lines than are listed: how
   * many lines it stands for. */
  count?: number;
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
  /** The longest stdout line accepted, in bytes; {@linkcode MAX_LINE_BYTES} by default. */
  maxLineBytes?: number;
  /** How much of each node's stderr log is kept, in bytes; {@linkcode LOG_CAP_BYTES} by
   * default. */
  logCapBytes?: number;
}

const TAIL_LINES = 32;
/** Lines kept for crash reports are cut to this many characters, so the tails stay small. */
const TAIL_LINE_CHARS = 2000;
/** The longest stderr line handled as one line (for the tail and `--log-stderr`); the log file
 * gets every byte regardless. */
const STDERR_LINE_BYTES = 64 * 1024;
const KILL_WAIT_MS = 5000;
/** How long a crashed node's pipes may take to drain before the crash is reported. */
const DRAIN_WAIT_MS = 1000;
/** Spoofed lines listed per node; further ones are counted in one more problem. */
const MAX_SPOOF_PROBLEMS = 100;

/** A node's process group, as the signal handlers need it. */
interface Group {
  pgid: number;
  paused: boolean;
}

/** The process group of every node this program started and has not yet killed, so a Ctrl-C or
 * an uncaught error can kill them all. */
const liveGroups = new Set<Group>();

/** Sends `signal` to every process of a group. Returns false when the group is gone. */
function signalGroup(group: Group, signal: Deno.Signal): boolean {
  try {
    // A negative pid addresses the whole process group (kill(2)).
    Deno.kill(-group.pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Kills a group, resuming it first if it is paused (a stopped process is killed all the same,
 * but its children might not be in the group any more, and resuming first costs nothing). */
function killGroup(group: Group): void {
  if (group.paused) signalGroup(group, "SIGCONT");
  group.paused = false;
  signalGroup(group, "SIGKILL");
  liveGroups.delete(group);
}

/** Kills every node process this program started, with everything the nodes forked, and writes
 * out the node logs. Called on Ctrl-C, SIGTERM, SIGHUP and on fatal errors, so no child outlives
 * the harness.
 *
 * @example
 * ```ts ignore
 * Deno.addSignalListener("SIGTERM", () => {
 *   killAllChildren();
 *   Deno.exit(143);
 * });
 * ```
 */
export function killAllChildren(): void {
  for (const group of [...liveGroups]) killGroup(group);
  closeAllLogs();
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

/** One instance of a node: a restart makes a new one. */
interface Proc {
  id: string;
  child: Deno.ChildProcess;
  group: Group;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Lines waiting for the stdin pipe: this instance's inbound queue. */
  pending: string[];
  flushing: boolean;
  muted: boolean;
  exited: boolean;
  /** Killed by {@linkcode ProcessBackend.kill}: its exit is not a crash. */
  killed: boolean;
  /** Journal ids below this were sent before this instance existed. Any of them that comes due
   * now was queued for a killed predecessor, and is lost as Maelstrom loses it. */
  firstMessageId: number;
  stderrTail: string[];
  stdoutTail: string[];
  /** Resolves once the process has exited and its exit has been handled. */
  done: Promise<void>;
}

/** Hosts nodes as child processes, each in its own process group.
 *
 * @example
 * ```ts ignore
 * const backend = new ProcessBackend({ bin, args: [], logDir: "store/x/node-logs", logStderr: false });
 * await backend.start(["n0", "n1"], network);
 * await backend.kill("n1");
 * await backend.restart("n1"); // then send init again
 * await backend.stop();
 * ```
 */
export class ProcessBackend implements NodeBackend {
  readonly problems: NodeProblem[] = [];
  onProblem: ((problem: NodeProblem) => void) | undefined;
  #opts: ProcessBackendOptions;
  /** The current instance of each node. */
  #procs = new Map<string, Proc>();
  #logs = new Map<string, CappedLog>();
  #readers: Promise<void>[] = [];
  #stopping = false;
  #encoder = new TextEncoder();
  #network: Network | undefined;
  #onSpoofed = spoofRecorder(this.problems);

  constructor(opts: ProcessBackendOptions) {
    this.#opts = opts;
  }

  start(nodes: readonly string[], network: Network): Promise<void> {
    this.#network = network;
    Deno.mkdirSync(this.#opts.logDir, { recursive: true });
    for (const id of nodes) {
      this.#logs.set(
        id,
        new CappedLog(`${this.#opts.logDir}/${id}.log`, this.#opts.logCapBytes ?? LOG_CAP_BYTES),
      );
      this.#procs.set(id, this.#spawn(id, 0));
      network.register(id, {
        deliver: (m) => this.#deliver(id, m),
        state: (m) => {
          const proc = this.#procs.get(id)!;
          if (proc.killed || m.id < proc.firstMessageId) return "killed";
          return proc.exited ? "dead" : "up";
        },
      });
    }
    return Promise.resolve();
  }

  /** The pid of a node's current process (its process group id too), for tests and logs. */
  pid(node: string): number | undefined {
    return this.#procs.get(node)?.child.pid;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const p of this.#procs.values()) killGroup(p.group);
    await withinMs(Promise.all([...this.#procs.values()].map((p) => p.done)), KILL_WAIT_MS);
    // The readers finish once every process holding the pipes is gone; the group kill saw to that,
    // unless a node moved a child out of its group.
    await withinMs(Promise.all(this.#readers), DRAIN_WAIT_MS);
    for (const log of this.#logs.values()) log.close();
  }

  /** Kills the node's process group with SIGKILL (resuming it first if paused) and waits for the
   * process to exit. The node stays on the network: messages that come due while it is dead are
   * journaled as sent and marked `lost: "dead-node"`. Idempotent. */
  async kill(node: string): Promise<void> {
    const proc = this.#get(node);
    if (proc.killed) return;
    proc.killed = true;
    proc.pending = [];
    killGroup(proc.group);
    await withinMs(proc.done, KILL_WAIT_MS);
  }

  /** Starts a fresh process for a killed (or crashed) node, with fresh pipes and an empty inbound
   * queue, appending to the same log after a marker line. A live node is left alone. The caller
   * sends `init` again. */
  async restart(node: string): Promise<void> {
    const old = this.#get(node);
    if (this.#stopping || (!old.exited && !old.killed)) return;
    // A crashed node may have left children behind in its group.
    killGroup(old.group);
    await withinMs(old.done, KILL_WAIT_MS);
    const firstMessageId = this.#network!.journal.length;
    this.#logs.get(node)!.write(this.#encoder.encode(
      `\n[harness] node ${node} restarted at ${
        (this.#network!.elapsedMs() / 1000).toFixed(3)
      } s; the previous process ${old.child.pid} was ${old.killed ? "killed" : "dead"}\n`,
    ));
    this.#procs.set(node, this.#spawn(node, firstMessageId));
  }

  /** Stops the node's process group with SIGSTOP. Messages to it are still written to its stdin
   * (until the pipe is full, then they wait in its queue). Idempotent; a dead node is left
   * alone. */
  pause(node: string): Promise<void> {
    const proc = this.#get(node);
    if (proc.group.paused || proc.exited || proc.killed) return Promise.resolve();
    if (signalGroup(proc.group, "SIGSTOP")) proc.group.paused = true;
    return Promise.resolve();
  }

  /** Continues a paused node's process group with SIGCONT. Idempotent. */
  resume(node: string): Promise<void> {
    const proc = this.#get(node);
    if (!proc.group.paused) return Promise.resolve();
    signalGroup(proc.group, "SIGCONT");
    proc.group.paused = false;
    return Promise.resolve();
  }

  #get(node: string): Proc {
    const proc = this.#procs.get(node);
    if (!proc) throw new Error(`There is no node "${node}" to kill, restart, pause or resume`);
    return proc;
  }

  #spawn(id: string, firstMessageId: number): Proc {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.#opts.bin, {
        args: this.#opts.args,
        cwd: this.#opts.cwd ?? tempDir(),
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        // setsid(2): the node leads a new process group, so one signal reaches all it forks.
        detached: true,
      }).spawn();
    } catch (err) {
      throw new Error(
        `Could not start node "${id}" from "${this.#opts.bin}": ${(err as Error).message}`,
      );
    }
    const group: Group = { pgid: child.pid, paused: false };
    liveGroups.add(group);
    const proc: Proc = {
      id,
      child,
      group,
      writer: child.stdin.getWriter(),
      pending: [],
      flushing: false,
      muted: false,
      exited: false,
      killed: false,
      firstMessageId,
      stderrTail: [],
      stdoutTail: [],
      done: Promise.resolve(),
    };
    const reading = Promise.all([
      this.#readStdout(proc),
      this.#readStderr(proc, this.#logs.get(id)!),
    ]).then(() => {});
    this.#readers.push(reading);
    proc.done = child.status.then(async (status) => {
      proc.exited = true;
      proc.pending = [];
      // Let the pipes drain first, so a crash report has the node's last words.
      await withinMs(reading, DRAIN_WAIT_MS);
      this.#exited(proc, status);
    });
    return proc;
  }

  #deliver(id: string, m: WireMessage): void {
    const proc = this.#procs.get(id)!;
    if (proc.exited || proc.killed) return;
    // Exact, so a 64-bit integer or a `1.0` another node wrote arrives with every digit.
    proc.pending.push(stringifyExact({ id: m.id, src: m.src, dest: m.dest, body: m.body }));
    if (!proc.flushing) {
      proc.flushing = true;
      queueMicrotask(() => this.#flush(proc));
    }
  }

  async #flush(proc: Proc): Promise<void> {
    try {
      while (proc.pending.length > 0 && !proc.exited && !proc.killed) {
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
    const maxLineBytes = this.#opts.maxLineBytes ?? MAX_LINE_BYTES;
    const lines = new LineSplitter(
      maxLineBytes,
      (line) => this.#onStdoutLine(proc, line),
      (head) => this.#onTooLong(proc, head, maxLineBytes),
    );
    try {
      for await (const chunk of proc.child.stdout) lines.push(chunk);
    } catch {
      // The pipe broke because the process was killed.
    }
    // A node we killed (at teardown, or by the kill fault) can die halfway through writing a line:
    // that fragment is our doing, not a line the node wrote, so it is dropped rather than named a
    // bad line (Maelstrom, killing nodes at teardown in `process.clj` `stop-node!`, only ever logs
    // it). A node that exits by itself still has its unfinished last line read, as Java's
    // `readLine` does for Maelstrom.
    if (!this.#stopping && !proc.killed) lines.end();
  }

  #onStdoutLine(proc: Proc, line: string): void {
    remember(proc.stdoutTail, line);
    // Maelstrom stops reading a node's stdout after its first bad line; so do we, and we say so.
    if (proc.muted) return;
    const problem = routeLine(proc.id, line, this.#network!, this.#onSpoofed);
    if (problem) this.#badLine(proc, problem);
  }

  #onTooLong(proc: Proc, head: string, maxLineBytes: number): void {
    remember(proc.stdoutTail, head + "…");
    if (proc.muted) return;
    this.#badLine(proc, {
      node: proc.id,
      kind: "bad-line",
      message: `Node "${proc.id}" wrote a stdout line longer than the maximum of ${maxLineBytes} ` +
        `bytes; the rest of its output is ignored and its requests time out, as after any ` +
        `line Maelstrom cannot accept`,
      line: head + "…",
      atMs: this.#network!.elapsedMs(),
    });
  }

  #badLine(proc: Proc, problem: NodeProblem): void {
    proc.muted = true;
    this.problems.push(problem);
    this.onProblem?.(problem);
  }

  async #readStderr(proc: Proc, log: CappedLog): Promise<void> {
    const onLine = (line: string) => {
      remember(proc.stderrTail, line);
      if (this.#opts.logStderr) console.error(`[${proc.id}] ${line}`);
    };
    const lines = new LineSplitter(STDERR_LINE_BYTES, onLine, (head) => onLine(head + "…"));
    try {
      for await (const chunk of proc.child.stderr) {
        log.write(chunk);
        lines.push(chunk);
      }
    } catch {
      // Killed.
    }
    lines.end();
  }

  #exited(proc: Proc, status: Deno.CommandStatus): void {
    // The group stays registered until stop or restart: children the node forked may live on.
    if (this.#stopping || proc.killed) return;
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

/** Makes the `onSpoofed` callback of {@linkcode routeLine} for a backend: it lists the first
 * spoofed lines of each node in `problems`, then counts the rest in one more problem, so a node
 * that spoofs every message cannot grow the results without bound.
 *
 * @example
 * ```ts
 * import { type NodeProblem, spoofRecorder } from "./process.ts";
 * const problems: NodeProblem[] = [];
 * const onSpoofed = spoofRecorder(problems);
 * onSpoofed({ node: "n0", kind: "spoofed-src", message: "...", claimedSrc: "n1", atMs: 0 });
 * problems.length; // 1
 * ```
 */
export function spoofRecorder(problems: NodeProblem[]): (problem: NodeProblem) => void {
  const counts = new Map<string, number>();
  const overflow = new Map<string, NodeProblem>();
  return (problem) => {
    const n = (counts.get(problem.node) ?? 0) + 1;
    counts.set(problem.node, n);
    if (n <= MAX_SPOOF_PROBLEMS) {
      problems.push(problem);
      return;
    }
    let rest = overflow.get(problem.node);
    if (!rest) {
      rest = { ...problem, count: 0 };
      overflow.set(problem.node, rest);
      problems.push(rest);
    }
    rest.count! += 1;
    rest.message = `Node "${problem.node}" wrote ${rest.count} more lines with a src other ` +
      `than its own id (the first is shown); the journal marks each message "spoofed"`;
  };
}

/** Puts one line a node wrote onto the network. Returns the problem when Maelstrom would reject
 * the line (not JSON, a bad envelope, an unknown endpoint); the caller then ignores the rest of
 * that node's output, as Maelstrom does.
 *
 * A line whose `src` is not the writing node is routed as Maelstrom routes it, as if it came from
 * that `src` (its latency, partitions and statistics are the claimed sender's). Its journal entry
 * is marked `spoofed`, and `onSpoofed` receives a `spoofed-src` problem naming it.
 *
 * @example
 * ```ts ignore
 * const problem = routeLine("n0", '{"src":"n0","dest":"c1","body":{"type":"echo_ok"}}', network);
 * problem; // undefined: routed
 * ```
 */
export function routeLine(
  node: string,
  line: string,
  network: Network,
  onSpoofed?: (problem: NodeProblem) => void,
): NodeProblem | undefined {
  // Quoting is left to the rare line that needs it: it re-encodes the text, and this is the
  // routing hot path.
  const problem = (reason: string): NodeProblem => ({
    node,
    kind: "bad-line",
    message: `Node "${node}" wrote a line Maelstrom cannot accept (${reason}); ` +
      `as in Maelstrom, the rest of its output is ignored and its requests time out`,
    line: cut(line, 500),
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
  let entry: JournalEntry | undefined;
  try {
    entry = network.send(m.src, m.dest, m.body);
  } catch (err) {
    if (err instanceof UnknownEndpointError) return problem(err.message);
    throw err;
  }
  // During teardown the network takes nothing more, and says so with undefined.
  if (entry === undefined) return undefined;
  if (m.src !== node) {
    // Maelstrom does not check src against the writer (maelstrom.process/stdout-thread hands the
    // parsed message straight to maelstrom.net/send!), so neither does the routing; we only say so.
    entry.spoofed = true;
    onSpoofed?.({
      node,
      kind: "spoofed-src",
      message: `Node "${node}" wrote a message with src "${m.src}" to "${m.dest}": a node may ` +
        `only send as itself. Maelstrom routes it as if "${m.src}" sent it, so it skips the ` +
        `latency, partitions and message counts of "${node}"`,
      line: cut(line, 500),
      claimedSrc: m.src,
      atMs: network.elapsedMs(),
    });
  }
  return undefined;
}

/** Checks a parsed stdout line against Maelstrom's envelope: exactly `src` and `dest` (strings),
 * `body` (an object), and optionally an integer `id`. Returns what is wrong, or `undefined`.
 *
 * The envelope is the `Message` schema of Maelstrom's `src/maelstrom/net.clj`, where `:id` is
 * `s/Int`: any integer, so a 64-bit id past 2^53 (a `bigint` from `parseExact`) is one, while a
 * whole float such as `3.0` is not, as Clojure's `integer?` says. */
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
  if ("id" in m && !isExactInt(m.id)) return `"id" must be an integer`;
  return undefined;
}

function remember(tail: string[], line: string): void {
  tail.push(cut(line, TAIL_LINE_CHARS));
  if (tail.length > TAIL_LINES) tail.shift();
}

/** The first `chars` characters of `s` (with an ellipsis when it is longer), as a string of its
 * own: a plain `slice` of a 60 MB line would keep the whole line alive in memory for as long as
 * the slice is kept. */
function cut(s: string, chars: number): string {
  if (s.length <= chars) return s;
  return decoder.decode(encoder.encode(s.slice(0, chars) + "…"));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Waits for `p`, but no longer than `ms`. */
async function withinMs(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function tempDir(): string {
  try {
    return Deno.env.get("TMPDIR") ?? "/tmp";
  } catch {
    return "/tmp";
  }
}
