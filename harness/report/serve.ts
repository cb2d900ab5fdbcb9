/**
 * A small web server over the store, like `maelstrom serve`: `/` lists every run with its
 * verdict coloured (true blue, unknown orange, false pink, grey when the run has no results),
 * each linking to its report, which is generated on the first visit when missing or older than
 * the run's files. Every other path is a file or folder inside the store.
 *
 * It listens on 127.0.0.1 only and never serves anything outside the store: a path is decoded,
 * refused if any segment is `.` or `..`, then resolved with `realPath` (following symlinks) and
 * served only if the result is the store or inside it.
 *
 * @module
 */
import { isRunDir, reportIsCurrent, writeReport } from "./mod.ts";
import { attr, esc, verdictColour, verdictText } from "./svg.ts";

/** Options of {@linkcode serveStore}. */
export interface ServeOptions {
  /** The store folder (default `store`). */
  store: string;
  /** Port; 0 picks a free one (default 8080). */
  port?: number;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
  /** Called once listening, with the address. */
  onListen?: (addr: Deno.NetAddr) => void;
}

/** Where a request path leads inside the store, or why it may not be served. */
export type StorePath =
  | { ok: true; path: string; info: Deno.FileInfo }
  | { ok: false; status: 400 | 403 | 404; reason: string };

/** Resolves a URL path (as in `new URL(req.url).pathname`) to a real path inside the store.
 * `storeReal` must be the store's real path (`Deno.realPath(store)`).
 *
 * @example
 * ```ts ignore
 * await resolveStorePath(storeReal, "/../etc/passwd"); // { ok: false, status: 403, ... }
 * ```
 */
export async function resolveStorePath(storeReal: string, pathname: string): Promise<StorePath> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { ok: false, status: 400, reason: "malformed percent-encoding" };
  }
  if (decoded.includes("\0") || decoded.includes("\\")) {
    return { ok: false, status: 400, reason: "NUL or backslash in path" };
  }
  const segments = decoded.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === "..")) {
    return { ok: false, status: 403, reason: "dot segments are not served" };
  }
  const candidate = segments.length ? `${storeReal}/${segments.join("/")}` : storeReal;
  let real: string;
  try {
    real = await Deno.realPath(candidate);
  } catch {
    return { ok: false, status: 404, reason: "no such file" };
  }
  if (real !== storeReal && !real.startsWith(`${storeReal}/`)) {
    return { ok: false, status: 403, reason: "outside the store" };
  }
  try {
    return { ok: true, path: real, info: await Deno.stat(real) };
  } catch {
    return { ok: false, status: 404, reason: "no such file" };
  }
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  svg: "image/svg+xml",
  json: "application/json; charset=utf-8",
  jsonl: "text/plain; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  log: "text/plain; charset=utf-8",
  edn: "text/plain; charset=utf-8",
  png: "image/png",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
};

function contentType(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
  return TYPES[ext] ?? "application/octet-stream";
}

/** Builds the request handler for a store folder.
 *
 * @example
 * ```ts ignore
 * const handler = await storeHandler("store");
 * const res = await handler(new Request("http://127.0.0.1/"));
 * ```
 */
export async function storeHandler(store: string): Promise<(req: Request) => Promise<Response>> {
  const storeReal = await Deno.realPath(store);
  const generating = new Map<string, Promise<unknown>>();
  const ensureReport = async (dir: string) => {
    if (await reportIsCurrent(dir)) return;
    let p = generating.get(dir);
    if (!p) {
      p = writeReport(dir).finally(() => generating.delete(dir));
      generating.set(dir, p);
    }
    await p;
  };

  return async (req: Request): Promise<Response> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return text(405, "Only GET and HEAD are served.");
    }
    const url = new URL(req.url);
    if (url.pathname === "/") return html(await runList(storeReal), req);
    const found = await resolveStorePath(storeReal, url.pathname);
    if (!found.ok) return text(found.status, `${found.status}: ${found.reason}`);
    if (found.info.isDirectory) {
      // Relative links inside a folder's page need the trailing slash.
      if (!url.pathname.endsWith("/")) {
        return new Response(null, { status: 301, headers: { location: `${url.pathname}/` } });
      }
      if (await isRunDir(found.path)) {
        try {
          await ensureReport(found.path);
        } catch (err) {
          return text(500, `Could not write the report of this run: ${(err as Error).message}`);
        }
      }
      const index = await resolveStorePath(storeReal, `${url.pathname}index.html`);
      if (index.ok && index.info.isFile) return file(index.path, req);
      return html(await listing(found.path, url.pathname), req);
    }
    if (found.info.isFile) {
      // A run's index requested directly: bring it up to date first.
      if (found.path.endsWith("/index.html")) {
        const dir = found.path.slice(0, -"/index.html".length);
        if (await isRunDir(dir)) await ensureReport(dir).catch(() => {});
      }
      return file(found.path, req);
    }
    return text(404, "404: not a file");
  };
}

/** Serves the store on 127.0.0.1 until `signal` aborts.
 *
 * @example
 * ```ts ignore
 * const server = await serveStore({ store: "store", port: 8080 });
 * await server.finished;
 * ```
 */
export async function serveStore(options: ServeOptions): Promise<Deno.HttpServer<Deno.NetAddr>> {
  const handler = await storeHandler(options.store);
  return Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 8080,
    signal: options.signal,
    onListen: options.onListen ?? (() => {}),
  }, handler);
}

function text(status: number, body: string): Response {
  return new Response(body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function html(body: string, req: Request): Response {
  return new Response(req.method === "HEAD" ? null : body, {
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" },
  });
}

async function file(path: string, req: Request): Promise<Response> {
  const headers = { "content-type": contentType(path), "cache-control": "no-cache" };
  if (req.method === "HEAD") return new Response(null, { headers });
  const f = await Deno.open(path, { read: true });
  return new Response(f.readable, { headers });
}

/** One run in the list. */
export interface RunEntry {
  workload: string;
  name: string;
  valid: unknown;
  nodes?: number;
  runner?: string;
}

/** Every run folder of the store (`<workload>/<time>/`), newest first. Symlinks (`latest`) are
 * skipped: each run is listed once. */
export async function listRuns(storeReal: string): Promise<RunEntry[]> {
  const runs: RunEntry[] = [];
  for await (const w of Deno.readDir(storeReal)) {
    if (!w.isDirectory || w.isSymlink) continue;
    for await (const r of Deno.readDir(`${storeReal}/${w.name}`)) {
      if (!r.isDirectory || r.isSymlink) continue;
      const dir = `${storeReal}/${w.name}/${r.name}`;
      if (!(await isRunDir(dir))) continue;
      const entry: RunEntry = { workload: w.name, name: r.name, valid: await readValid(dir) };
      try {
        const meta = JSON.parse(await Deno.readTextFile(`${dir}/test.json`));
        entry.nodes = meta?.opts?.nodes?.length;
        entry.runner = meta?.runner;
      } catch {
        // No test.json: the list shows less.
      }
      runs.push(entry);
    }
  }
  runs.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  return runs;
}

/** The top-level `valid?` of a run: read from the end of `results.json` (where the runner puts
 * it), falling back to parsing the whole file. */
async function readValid(dir: string): Promise<unknown> {
  const path = `${dir}/results.json`;
  let f: Deno.FsFile | undefined;
  try {
    f = await Deno.open(path, { read: true });
    const size = (await f.stat()).size;
    const n = Math.min(size, 256);
    await f.seek(size - n, Deno.SeekMode.Start);
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const k = await f.read(buf.subarray(got));
      if (k === null) break;
      got += k;
    }
    const tail = new TextDecoder().decode(buf.subarray(0, got));
    const m = /"valid\?"\s*:\s*(true|false|"unknown")\s*}\s*$/.exec(tail);
    if (m) return JSON.parse(m[1]);
  } catch {
    return undefined;
  } finally {
    f?.close();
  }
  try {
    return JSON.parse(await Deno.readTextFile(path))["valid?"];
  } catch {
    return undefined;
  }
}

async function runList(storeReal: string): Promise<string> {
  const runs = await listRuns(storeReal);
  const counts = new Map<string, number>();
  for (const r of runs) {
    counts.set(verdictText(r.valid), (counts.get(verdictText(r.valid)) ?? 0) + 1);
  }
  const rows = runs.map((r) => {
    const href = `/${encodeURIComponent(r.workload)}/${encodeURIComponent(r.name)}/`;
    return `<tr><td><a href="${attr(href)}" title="${attr(r.name)}">${
      esc(readableTime(r.name))
    }</a>` +
      `</td><td>${esc(r.workload)}</td>` +
      `<td><span class="pill" style="background:${verdictColour(r.valid)}">${
        esc(verdictText(r.valid))
      }</span></td><td class="num">${r.nodes ?? ""}</td><td>${esc(r.runner ?? "")}</td></tr>`;
  });
  return page(
    "Runs",
    `<h1>Runs</h1><p class="sub">${runs.length} run${runs.length === 1 ? "" : "s"} in ${
      esc(storeReal)
    }${
      [...counts].map(([k, n]) => ` · ${n} ${esc(k)}`).join("")
    }</p><table class="runs"><tr><th>time</th><th>workload</th><th>valid?</th>` +
      `<th class="num">nodes</th><th>runner</th></tr>${rows.join("")}</table>`,
  );
}

/** `20261123T104139.008+0000` as `2026-11-23 10:41:39.008 UTC`; other names as they are. */
function readableTime(name: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})\+0000(-\d+)?$/.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${m[7]} UTC${m[8] ?? ""}` : name;
}

async function listing(dir: string, pathname: string): Promise<string> {
  const entries: { name: string; dir: boolean }[] = [];
  for await (const e of Deno.readDir(dir)) {
    entries.push({ name: e.name, dir: e.isDirectory || e.isSymlink });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  const items = entries.map((e) =>
    `<li><a href="${attr(encodeURIComponent(e.name))}${e.dir ? "/" : ""}">${esc(e.name)}${
      e.dir ? "/" : ""
    }</a></li>`
  );
  return page(
    pathname,
    `<p><a href="/">← all runs</a></p><h1>${esc(decodeURIComponent(pathname))}</h1>` +
      `<ul>${pathname === "/" ? "" : `<li><a href="../">../</a></li>`}${items.join("")}</ul>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d252d; }
main { max-width: 980px; margin: 0 auto; padding: 20px 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
.sub { color: #5c6670; margin: 0 0 14px; }
a { color: #1760a8; text-decoration: none; } a:hover { text-decoration: underline; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e3e6ea; }
th { font-size: 12px; color: #5c6670; background: #f6f7f9; }
td.num, th.num { text-align: right; }
.pill { display: inline-block; min-width: 74px; text-align: center; padding: 1px 8px;
  border-radius: 10px; font-size: 12px; font-weight: 600; }
</style></head><body><main>${body}</main></body></html>`;
}
