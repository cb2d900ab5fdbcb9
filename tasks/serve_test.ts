import assert from "node:assert/strict";
import { main } from "./serve.ts";

Deno.test("serve on a busy port is one sentence naming the port and --port, exit non-zero", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-serve-task-" });
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  const err: string[] = [];
  const error = console.error;
  console.error = (...xs: unknown[]) => err.push(xs.join(" "));
  try {
    const code = await main(["--port", String(port), "--store", store]);
    assert.notEqual(code, 0);
    assert.deepEqual(err, [
      `Port ${port} on 127.0.0.1 is already in use: choose another with --port N ` +
      `(--port 0 picks a free one)`,
    ]);
  } finally {
    console.error = error;
    busy.close();
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("serve stops when its signal aborts, and a free port still works", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-serve-task-" });
  const stop = new AbortController();
  const log = console.log;
  const out: string[] = [];
  console.log = (...xs: unknown[]) => {
    out.push(xs.join(" "));
    stop.abort();
  };
  try {
    assert.equal(await main(["--port", "0", "--store", store], stop.signal), 0);
    assert.match(out[0], /^Serving .* on http:\/\/127\.0\.0\.1:\d+\/$/);
  } finally {
    console.log = log;
    await Deno.remove(store, { recursive: true });
  }
});
