/**
 * `maelstrom serve` for our store: a web page listing every run with its verdict, each linking to
 * its report (generated on first visit). Listens on 127.0.0.1 only; serves nothing outside the
 * store.
 *
 * ```sh
 * deno task serve                 # http://127.0.0.1:8080/
 * deno task serve --port 9000 --store /tmp/my-store
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { serveStore } from "../harness/report/serve.ts";

const USAGE = `Usage: deno task serve [--port N] [--store DIR]

  --port N     port on 127.0.0.1 (default 8080; 0 picks a free one)
  --store DIR  the store folder (default store)`;

/** Starts the server and returns when it stops or `signal` aborts (or at once with an exit code
 * for bad arguments or a port that is taken).
 *
 * @example
 * ```ts ignore
 * Deno.exit(await main(["--port", "9000"]));
 * ```
 */
export async function main(argv: string[], signal?: AbortSignal): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: "string", short: "p", default: "8080" },
        store: { type: "string", default: "store" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 254;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(
      `--port must be a whole number from 0 to 65535, not "${values.port}"\n\n${USAGE}`,
    );
    return 254;
  }
  try {
    if (!(await Deno.stat(values.store!)).isDirectory) throw new Error("not a folder");
  } catch {
    console.error(`No store folder at ${values.store}: run a test first, or pass --store DIR`);
    return 254;
  }
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = await serveStore({
      store: values.store!,
      port,
      signal,
      onListen: (addr) =>
        console.log(`Serving ${values.store} on http://${addr.hostname}:${addr.port}/`),
    });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      console.error(
        `Port ${port} on 127.0.0.1 is already in use: choose another with --port N ` +
          `(--port 0 picks a free one)`,
      );
      return 1;
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      console.error(`Not allowed to listen on port ${port}: choose another with --port N`);
      return 1;
    }
    throw err;
  }
  await server.finished;
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
