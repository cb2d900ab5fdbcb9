/**
 * How a node's protocol lines get in and out. The default is stdin/stdout; the harness's
 * simulator and the lib's tests use {@linkcode MemoryTransport} instead, so the same node code runs
 * in both.
 *
 * @module
 */
import { logger } from "./log.ts";

/** Carries whole protocol lines (JSON text without the trailing newline) in and out of a node.
 *
 * @example
 * ```ts
 * import { MemoryTransport } from "./transport.ts";
 * const t = new MemoryTransport();
 * t.write('{"src":"n0","dest":"c0","body":{"type":"init_ok"}}');
 * t.output; // ['{"src":"n0","dest":"c0","body":{"type":"init_ok"}}']
 * ```
 */
export interface Transport {
  /** Delivers every input line to `onLine` and resolves when the input ends. The returned promise
   * may also wait on `pause()` for backpressure between chunks. */
  start(onLine: (line: string) => void): Promise<void>;
  /** Queues one output line. Lines are written whole and in order, never interleaved. */
  write(line: string): void;
  /** Resolves once every queued line has been written. */
  flush(): Promise<void>;
}

/** The largest number of output bytes queued before the input side stops reading: a node that
 * produces faster than its reader consumes slows its own input instead of growing without
 * bound. */
export const OUTPUT_HIGH_WATER_BYTES = 1 << 20;

/** The longest input line a node accepts, in bytes. A longer line is logged and dropped, and the
 * node goes on with the next one, so one runaway message cannot exhaust its memory. Maelstrom's
 * messages are far smaller; 64 MiB leaves room for a `read_ok` with millions of values. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Options of {@linkcode StdioTransport}. */
export interface StdioTransportOptions {
  /** The longest accepted input line in bytes; {@linkcode MAX_LINE_BYTES} by default. */
  maxLineBytes?: number;
  /** Called once for each input line that grows past `maxLineBytes`, when it does; the line is
   * then dropped up to its newline. By default this logs an error on stderr. */
  onLineTooLong?: (maxLineBytes: number) => void;
}

/** Stands for the process's stdin as the default input, which is read directly rather than
 * through `Deno.stdin.readable`. */
const STDIN_MARKER: ReadableStream<Uint8Array> = new ReadableStream();

/** How many bytes one read of stdin takes at most. */
const READ_BUFFER_BYTES = 64 * 1024;

/** The newline byte that ends every protocol line. UTF-8 never uses it inside a multi-byte
 * character, so line lengths can be counted on raw bytes. */
const NEWLINE = 10;

/** Reads lines from stdin and writes lines to stdout, batching writes and honouring backpressure.
 *
 * A line may arrive split across reads; it is reassembled before delivery, in time linear in its
 * length: each chunk is searched once, and only for its own newlines. A line longer than
 * {@linkcode MAX_LINE_BYTES} is logged and dropped. Input stops being read while more than
 * {@linkcode OUTPUT_HIGH_WATER_BYTES} of output wait to be written.
 *
 * @example
 * ```ts ignore
 * import { StdioTransport } from "./transport.ts";
 * const t = new StdioTransport();
 * await t.start((line) => t.write(line)); // an echo of stdin to stdout
 * await t.flush();
 * ```
 */
export class StdioTransport implements Transport {
  #input: ReadableStream<Uint8Array>;
  #output: { write(p: Uint8Array): Promise<number> };
  #pending: string[] = [];
  #pendingBytes = 0;
  #writing: Promise<void> | undefined;
  #encoder = new TextEncoder();
  #drained: (() => void)[] = [];
  #maxLineBytes: number;
  #onLineTooLong: (maxLineBytes: number) => void;

  constructor(
    input: ReadableStream<Uint8Array> = STDIN_MARKER,
    output: { write(p: Uint8Array): Promise<number> } = Deno.stdout,
    options: StdioTransportOptions = {},
  ) {
    const max = options.maxLineBytes ?? MAX_LINE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(
        `The maximum line size must be a positive whole number of bytes, got "${max}"`,
      );
    }
    this.#input = input;
    this.#output = output;
    this.#maxLineBytes = max;
    this.#onLineTooLong = options.onLineTooLong ?? ((limit) =>
      logger(["transport"]).error(
        "Dropping an input line longer than {limit} bytes, the maximum line size; " +
          "the node goes on with the next line",
        { limit },
      ));
  }

  async start(onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    const max = this.#maxLineBytes;
    // The start of the current line, as decoded text of the chunks it arrived in. Each piece is
    // searched for a newline once, when its chunk arrives, so reassembly is linear in the input.
    let parts: string[] = [];
    // The current line's bytes so far, counted on the raw chunks (UTF-8 never puts a newline byte
    // inside a character, so byte positions of newlines are exact).
    let partBytes = 0;
    // Whether the current line already grew past the maximum and is being skipped.
    let skipping = false;
    const tooLong = () => {
      if (!skipping) this.#onLineTooLong(max);
      skipping = true;
      parts = [];
    };
    for await (const chunk of this.#chunks()) {
      const text = decoder.decode(chunk, { stream: true });
      let nl = text.indexOf("\n");
      let from = 0;
      if (nl !== -1) {
        // The chunk's first newline ends the line carried over from earlier chunks.
        if (partBytes + chunk.indexOf(NEWLINE) > max) tooLong();
        if (!skipping) {
          onLine(parts.length === 0 ? text.slice(0, nl) : parts.join("") + text.slice(0, nl));
        }
        parts = [];
        skipping = false;
        from = nl + 1;
        // Lines wholly inside this chunk are no longer than it; only a chunk past the maximum
        // needs them measured.
        const measure = chunk.length > max;
        while ((nl = text.indexOf("\n", from)) !== -1) {
          const line = text.slice(from, nl);
          if (measure && encoder.encode(line).length > max) this.#onLineTooLong(max);
          else onLine(line);
          from = nl + 1;
        }
        partBytes = chunk.length - chunk.lastIndexOf(NEWLINE) - 1;
      } else {
        partBytes += chunk.length;
      }
      if (partBytes > max) tooLong();
      if (!skipping && from < text.length) parts.push(from === 0 ? text : text.slice(from));
      // Backpressure: while our output is backed up, stop consuming input.
      while (this.#pendingBytes > OUTPUT_HIGH_WATER_BYTES) await this.#waitDrained();
    }
    const rest = parts.join("") + decoder.decode();
    if (!skipping && rest.length > 0) onLine(rest);
  }

  /** The input's chunks. Stdin itself is read with `Deno.stdin.read` into one reused buffer (each
   * chunk is handled before the next read): on 5a's real-process run, where every message is a
   * read of its own, that took a fifth off the node's CPU against `Deno.stdin.readable`. Any
   * other input is read as the stream it is. */
  async *#chunks(): AsyncGenerator<Uint8Array> {
    if (this.#input !== STDIN_MARKER) {
      yield* this.#input;
      return;
    }
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    for (;;) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) return;
      yield buffer.subarray(0, n);
    }
  }

  write(line: string): void {
    this.#pending.push(line);
    this.#pendingBytes += line.length + 1;
    this.#writing ??= this.#writeLoop();
  }

  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #writeLoop(): Promise<void> {
    // Let the current batch of handlers run first, so many replies go out in one write.
    await Promise.resolve();
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.join("\n") + "\n";
        this.#pending = [];
        this.#pendingBytes = 0;
        let bytes = this.#encoder.encode(batch);
        // Stdout takes a blocking write (`writeSync`), cheaper than the async one by about a sixth
        // of the node's CPU on 5a's real-process run. It waits only when the pipe is full, that
        // is when the harness is behind; the harness never waits on us to read its input.
        const sync = (this.#output as { writeSync?: (p: Uint8Array) => number }).writeSync;
        while (bytes.length > 0) {
          const n = sync ? sync.call(this.#output, bytes) : await this.#output.write(bytes);
          bytes = bytes.subarray(n);
        }
        for (const resolve of this.#drained.splice(0)) resolve();
      }
    } catch (err) {
      // Our reader went away (for example a broken pipe at shutdown); nothing can be said on stdout
      // any more, so drop what is queued rather than crash.
      this.#pending = [];
      this.#pendingBytes = 0;
      for (const resolve of this.#drained.splice(0)) resolve();
      if (!(err instanceof Deno.errors.BrokenPipe)) throw err;
    } finally {
      this.#writing = undefined;
    }
  }

  #waitDrained(): Promise<void> {
    return new Promise((resolve) => this.#drained.push(resolve));
  }
}

/** The most input lines {@linkcode MemoryTransport.deliver} queues before `start()`. */
export const MAX_BACKLOG_LINES = 100_000;

/** The most output lines a {@linkcode MemoryTransport} keeps in `output`; later lines still reach
 * the write callback but are only counted in `droppedLines`. */
export const MAX_KEPT_LINES = 1_000_000;

/** An in-memory transport for tests and for running nodes inside another program, such as the
 * harness's simulator: `deliver()` hands the node an input line and `end()` closes its input.
 * Each line the node writes goes to the `write` callback when one is given (the host routes it
 * and nothing is kept), and otherwise into `output`.
 *
 * @example
 * ```ts
 * import { MemoryTransport } from "./transport.ts";
 * const seen: string[] = [];
 * const t = new MemoryTransport();
 * const done = t.start((line) => seen.push(line));
 * t.deliver("hello");
 * t.write("world");
 * t.end();
 * await done;
 * seen; // ["hello"]
 * t.output; // ["world"]
 *
 * const routed: string[] = [];
 * new MemoryTransport((line) => routed.push(line)).write("out"); // routed: ["out"]
 * ```
 */
export class MemoryTransport implements Transport {
  /** Every line the node wrote, in order, when no write callback was given (at most
   * {@linkcode MAX_KEPT_LINES}). */
  readonly output: string[] = [];
  /** Lines written past {@linkcode MAX_KEPT_LINES} and therefore not kept in `output`. */
  droppedLines = 0;
  #write: ((line: string) => void) | undefined;
  #onLine: ((line: string) => void) | undefined;
  #backlog: string[] = [];
  #end: (() => void) | undefined;
  #ended = false;

  /** @param write receives each line the node writes; leave it out to collect them in `output`. */
  constructor(write?: (line: string) => void) {
    this.#write = write;
  }

  start(onLine: (line: string) => void): Promise<void> {
    this.#onLine = onLine;
    for (const line of this.#backlog.splice(0)) onLine(line);
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => (this.#end = resolve));
  }

  /** Hands one input line to the node. Lines delivered before `start()` are queued, up to
   * {@linkcode MAX_BACKLOG_LINES}; one more throws a `RangeError`, since a node that never starts
   * would otherwise hold them forever. */
  deliver(line: string): void {
    if (this.#onLine) {
      this.#onLine(line);
      return;
    }
    if (this.#backlog.length >= MAX_BACKLOG_LINES) {
      throw new RangeError(
        `The node has not started reading, and "${MAX_BACKLOG_LINES}" input lines already wait ` +
          "for it; deliver them after start()",
      );
    }
    this.#backlog.push(line);
  }

  /** Ends the input, as closing stdin would: the promise of `start()` resolves. */
  end(): void {
    this.#ended = true;
    this.#end?.();
  }

  write(line: string): void {
    if (this.#write) this.#write(line);
    else if (this.output.length < MAX_KEPT_LINES) this.output.push(line);
    else this.droppedLines += 1;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
