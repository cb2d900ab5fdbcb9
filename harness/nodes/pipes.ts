/**
 * The byte plumbing of node processes: splitting a pipe into lines in linear time with a bound on
 * line length ({@linkcode LineSplitter}), and a per-node log file that keeps its head and tail
 * when a node writes more than a cap ({@linkcode CappedLog}).
 *
 * @module
 */

/** The longest stdout line a node may write, in bytes (64 MiB), not counting the newline. A longer
 * line is a bad line; Maelstrom has no such limit, but it would run out of memory long before a
 * line of this size is useful. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** How much of each node's stderr log is kept, in bytes (64 MiB). */
export const LOG_CAP_BYTES = 64 * 1024 * 1024;

/** How many bytes of an over-long line are quoted when it is named. */
const HEAD_QUOTE_BYTES = 500;

const NEWLINE = 0x0a;

/** Splits a byte stream into `\n`-terminated lines. Each byte is looked at once: only a new chunk
 * is searched for newlines, and the pieces of an unfinished line wait in a list until its newline
 * arrives, so a line of n bytes costs O(n) however it is chunked.
 *
 * A line longer than `maxLineBytes` is not kept: `onTooLong` receives its first bytes (decoded) as
 * soon as the limit is passed, and the rest of that line is skipped up to its newline.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "./pipes.ts";
 * const lines: string[] = [];
 * const split = new LineSplitter(16, (l) => lines.push(l), (head) => lines.push(`too long: ${head}`));
 * const enc = new TextEncoder();
 * split.push(enc.encode("{\"a\":"));
 * split.push(enc.encode("1}\nxxxxxxxxxxxxxxxxxxxxxxxx\nlast"));
 * split.end();
 * lines; // ['{"a":1}', "too long: xxxxxxxxxxxxxxxxxxxxxxxx", "last"]
 * ```
 */
export class LineSplitter {
  #pieces: Uint8Array[] = [];
  #bytes = 0;
  /** Inside an over-long line, discarding up to its newline. */
  #skipping = false;
  #decoder = new TextDecoder();
  #maxLineBytes: number;
  #onLine: (line: string) => void;
  #onTooLong: (head: string) => void;

  /**
   * @param maxLineBytes the longest line passed to `onLine`, in bytes without the newline.
   * @param onLine receives each complete line, without its newline.
   * @param onTooLong receives the decoded first bytes of each line over the limit.
   */
  constructor(
    maxLineBytes: number,
    onLine: (line: string) => void,
    onTooLong: (head: string) => void,
  ) {
    this.#maxLineBytes = maxLineBytes;
    this.#onLine = onLine;
    this.#onTooLong = onTooLong;
  }

  /** Takes the next chunk of the stream. The chunk must not be modified afterwards (pieces of it
   * are kept until their line is complete). */
  push(chunk: Uint8Array): void {
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      if (!this.#skipping && end > start) {
        const piece = chunk.subarray(start, end);
        if (this.#bytes + piece.length > this.#maxLineBytes) {
          this.#pieces.push(piece);
          const head = this.#decoder.decode(concat(this.#pieces, HEAD_QUOTE_BYTES));
          this.#reset();
          this.#skipping = true;
          this.#onTooLong(head);
        } else {
          this.#pieces.push(piece);
          this.#bytes += piece.length;
        }
      }
      if (newline < 0) return;
      if (this.#skipping) this.#skipping = false;
      else this.#emit();
      start = newline + 1;
    }
  }

  /** Ends the stream: an unfinished last line is passed on as a line. */
  end(): void {
    if (!this.#skipping && this.#bytes > 0) this.#emit();
    this.#reset();
    this.#skipping = false;
  }

  #emit(): void {
    const line = this.#decoder.decode(concat(this.#pieces, this.#bytes));
    this.#reset();
    this.#onLine(line);
  }

  #reset(): void {
    this.#pieces = [];
    this.#bytes = 0;
  }
}

/** The first `limit` bytes of the pieces, joined (without copying when there is one piece). */
function concat(pieces: readonly Uint8Array[], limit: number): Uint8Array {
  if (pieces.length === 1) return pieces[0].subarray(0, limit);
  let total = 0;
  for (const p of pieces) total += p.length;
  const out = new Uint8Array(Math.min(total, limit));
  let at = 0;
  for (const p of pieces) {
    if (at >= out.length) break;
    const part = p.subarray(0, out.length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Open logs, so a signal handler can flush them before the harness exits. */
const openLogs = new Set<CappedLog>();

/** Closes every open {@linkcode CappedLog}, writing out their kept tails. For signal handlers. */
export function closeAllLogs(): void {
  for (const log of openLogs) log.close();
}

/** A node's stderr log file with a size cap. The first three quarters of the cap go to the file
 * as they come; after that, only the most recent quarter is kept (in memory) and written at
 * {@linkcode CappedLog.close}, after a line that says how many bytes were cut. A node that logs
 * gigabytes thus leaves a file of about `capBytes` with its start and its end.
 *
 * @example
 * ```ts
 * import { CappedLog } from "./pipes.ts";
 * const path = Deno.makeTempFileSync();
 * const log = new CappedLog(path, 8);
 * log.write(new TextEncoder().encode("0123456789abcdef"));
 * log.close();
 * Deno.readTextFileSync(path).startsWith("012345"); // true
 * ```
 */
export class CappedLog {
  /** Total bytes written, kept or not. */
  totalBytes = 0;
  #file: Deno.FsFile | undefined;
  #headCap: number;
  #tailCap: number;
  #capBytes: number;
  #headBytes = 0;
  #tail: Uint8Array[] = [];
  #tailBytes = 0;

  /**
   * @param path the log file; created or truncated.
   * @param capBytes how much of the log is kept, in bytes.
   */
  constructor(path: string, capBytes = LOG_CAP_BYTES) {
    this.#capBytes = capBytes;
    this.#tailCap = Math.floor(capBytes / 4);
    this.#headCap = capBytes - this.#tailCap;
    this.#file = Deno.openSync(path, { create: true, write: true, truncate: true });
    openLogs.add(this);
  }

  /** Appends bytes. Ignored once the log is closed. */
  write(bytes: Uint8Array): void {
    if (!this.#file) return;
    this.totalBytes += bytes.length;
    const toHead = Math.min(bytes.length, this.#headCap - this.#headBytes);
    if (toHead > 0) {
      writeAll(this.#file, bytes.subarray(0, toHead));
      this.#headBytes += toHead;
    }
    if (toHead === bytes.length) return;
    const rest = bytes.subarray(toHead);
    this.#tail.push(rest.length > this.#tailCap ? rest.slice(rest.length - this.#tailCap) : rest);
    this.#tailBytes += Math.min(rest.length, this.#tailCap);
    // Drop whole pieces from the front while the rest still covers the tail, then trim the first.
    let drop = 0;
    while (
      drop < this.#tail.length - 1 &&
      this.#tailBytes - this.#tail[drop].length >= this.#tailCap
    ) {
      this.#tailBytes -= this.#tail[drop].length;
      drop++;
    }
    if (drop > 0) this.#tail.splice(0, drop);
    const excess = this.#tailBytes - this.#tailCap;
    if (excess > 0) {
      this.#tail[0] = this.#tail[0].subarray(excess);
      this.#tailBytes -= excess;
    }
  }

  /** Writes the kept tail (after a line naming how much was cut) and closes the file. Safe to
   * call more than once. */
  close(): void {
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;
    openLogs.delete(this);
    const cut = this.totalBytes - this.#headBytes - this.#tailBytes;
    try {
      if (cut > 0) {
        writeAll(
          file,
          new TextEncoder().encode(
            `\n[harness] ${cut} bytes of this log were cut here: each node's log keeps its first ` +
              `${this.#headCap} and last ${this.#tailCap} bytes (cap ${this.#capBytes} bytes)\n`,
          ),
        );
      }
      for (const piece of this.#tail) writeAll(file, piece);
    } finally {
      file.close();
    }
  }
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += file.writeSync(bytes.subarray(at));
}
