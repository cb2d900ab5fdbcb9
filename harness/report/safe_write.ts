/**
 * Writing report files into a run folder without ever following a symlink. A run folder is data
 * (it may come from elsewhere, or be edited by hand), so a `rate.svg -> /home/me/.bashrc` or a
 * `report -> /etc` inside it must not turn a report, or a page view in `deno task serve`, into a
 * write outside the store.
 *
 * Every write goes through {@linkcode RunFolder}: the run folder is resolved once to its real path;
 * the target and its parent folder are checked with `lstat` and refused, naming the path, when
 * either is a symlink; the bytes go into a fresh temporary file opened with create-new semantics
 * (`O_CREAT | O_EXCL`, which fails rather than follow a symlink) and are renamed over the target,
 * and rename replaces a name, never what it points to.
 *
 * @module
 */

/** A run folder holds a symlink (or another non-file) where a report file goes. */
export class UnsafeReportPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafeReportPathError";
  }
}

/** Attempts at a fresh temporary name; a random name collides almost never, so a few suffice. */
const TEMP_TRIES = 8;

/** Report files inside one run folder, written without following symlinks.
 *
 * @example
 * ```ts
 * import { RunFolder } from "./safe_write.ts";
 * const dir = Deno.makeTempDirSync();
 * const run = await RunFolder.open(dir);
 * await run.mkdir("report");
 * await run.write("report/page.html", "<p>hello</p>");
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class RunFolder {
  /** The run folder's real path (symlinks to the folder itself, like `store/latest`, resolved). */
  readonly real: string;

  private constructor(real: string) {
    this.real = real;
  }

  /** Resolves `dir` (which may itself be a symlink such as `store/latest`) to its real path. */
  static async open(dir: string): Promise<RunFolder> {
    const real = await Deno.realPath(dir);
    if (!(await Deno.stat(real)).isDirectory) {
      throw new UnsafeReportPathError(`"${dir}" is not a folder`);
    }
    return new RunFolder(real);
  }

  /** Makes sure the sub-folder `rel` exists as a real folder (not a symlink), creating it. */
  async mkdir(rel: string): Promise<void> {
    const path = this.#path(rel);
    const info = await lstatOrUndefined(path);
    if (info === undefined) {
      await Deno.mkdir(path);
      return;
    }
    if (info.isSymlink || !info.isDirectory) {
      throw new UnsafeReportPathError(
        `Refusing to write the report: "${path}" is ${describe(info)}, not a folder`,
      );
    }
  }

  /** Writes `data` to `rel` (a file name, or `folder/name` under a folder made by `mkdir`). */
  async write(rel: string, data: string | Uint8Array): Promise<void> {
    const path = this.#path(rel);
    const slash = path.lastIndexOf("/");
    const parent = path.slice(0, slash);
    const name = path.slice(slash + 1);
    // The parent must be the run folder or a real folder inside it: `report -> /elsewhere` is
    // refused here, whatever it points to.
    if (parent !== this.real) {
      const info = await lstatOrUndefined(parent);
      if (!info || info.isSymlink || !info.isDirectory) {
        throw new UnsafeReportPathError(
          `Refusing to write the report: "${parent}" is ${
            info ? describe(info) : "missing"
          }, not a folder`,
        );
      }
    }
    const existing = await lstatOrUndefined(path);
    if (existing && (existing.isSymlink || !existing.isFile)) {
      throw new UnsafeReportPathError(
        `Refusing to write the report: "${path}" is ${describe(existing)}, not a file`,
      );
    }
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    let tmp = "";
    let file: Deno.FsFile | undefined;
    for (let i = 0; i < TEMP_TRIES && !file; i++) {
      tmp = `${parent}/.${name}.${crypto.randomUUID().slice(0, 8)}.tmp`;
      try {
        file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
      } catch (err) {
        if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      }
    }
    if (!file) throw new Error(`Could not create a temporary file beside "${path}"`);
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    } catch (err) {
      file.close();
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    file.close();
    try {
      await Deno.rename(tmp, path);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
  }

  /** Removes the file `rel` if it is a plain file (a symlink there is removed as a link). */
  async remove(rel: string): Promise<void> {
    await Deno.remove(this.#path(rel));
  }

  #path(rel: string): string {
    const parts = rel.split("/");
    if (parts.some((p) => p === "" || p === "." || p === "..")) {
      throw new UnsafeReportPathError(`"${rel}" is not a plain path inside the run folder`);
    }
    return `${this.real}/${rel}`;
  }
}

async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

function describe(info: Deno.FileInfo): string {
  return info.isSymlink ? "a symlink" : info.isDirectory ? "a folder" : "not a plain file";
}
