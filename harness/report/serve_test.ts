import assert from "node:assert/strict";
import { storedRun } from "./testing.ts";
import { listRuns, resolveStorePath, serveStore, storeHandler } from "./serve.ts";

/** A temp folder holding a store with one real run, a secret file beside the store, and
 * symlinks inside the store pointing in and out of it. */
async function fixture(): Promise<{ root: string; store: string; run: string }> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "glomers-serve-" }));
  const store = `${root}/store`;
  await Deno.mkdir(store);
  await Deno.writeTextFile(`${root}/secret.txt`, "TOP SECRET\n");
  const run = await storedRun(
    store,
    "tests/fixtures/echo_wrong.ts",
    "-w echo --node-count 1 --time-limit 2",
    3,
  );
  await Deno.symlink(`${root}/secret.txt`, `${store}/leak.txt`);
  await Deno.symlink("/etc", `${store}/etc`);
  await Deno.symlink("..", `${store}/up`);
  return { root, store, run };
}

Deno.test("serve: paths resolve only to files inside the store", async () => {
  const { root, store, run } = await fixture();
  try {
    const rel = run.slice(store.length);
    const ok = await resolveStorePath(store, `${rel}/results.json`);
    assert.ok(ok.ok && ok.path === `${run}/results.json`);
    // store/latest and store/echo/latest are symlinks inside the store: allowed.
    const latest = await resolveStorePath(store, "/latest/test.json");
    assert.ok(latest.ok && latest.path === `${run}/test.json`);
    assert.ok((await resolveStorePath(store, "/")).ok);

    const refused: [string, number][] = [
      ["/../secret.txt", 403],
      ["/%2e%2e/secret.txt", 403],
      ["/..%2fsecret.txt", 403],
      ["/echo/..%2F..%2Fsecret.txt", 403],
      ["/./latest", 403],
      ["/leak.txt", 403], // a symlink to a file outside
      ["/etc/passwd", 403], // a symlink to a folder outside
      ["/up/secret.txt", 403], // a symlink to the store's parent
      ["/up", 403],
      [`/${root}/secret.txt`.replace("//", "/"), 404], // an absolute path is just a name here
      ["/nothing-here", 404],
      ["/%00", 400],
      ["/a%5c..%5csecret.txt", 400],
      ["/%E0%A4%A", 400],
    ];
    for (const [path, status] of refused) {
      const r = await resolveStorePath(store, path);
      assert.ok(!r.ok, `${path} must not resolve`);
      assert.equal(r.status, status, `${path}: ${r.reason}`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Sends one raw HTTP request (no client-side normalising of the path) and returns the reply. */
async function rawGet(port: number, target: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      ),
    );
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    return new TextDecoder().decode(
      chunks.reduce((a, b) => {
        const c = new Uint8Array(a.length + b.length);
        c.set(a);
        c.set(b, a.length);
        return c;
      }, new Uint8Array()),
    );
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed by the server.
    }
  }
}

Deno.test("serve: the server listens on 127.0.0.1, lists runs, writes reports, leaks nothing", async () => {
  const { root, store, run } = await fixture();
  const ac = new AbortController();
  let port = 0;
  let hostname = "";
  const server = await serveStore({
    store,
    port: 0,
    signal: ac.signal,
    onListen: (addr) => {
      port = addr.port;
      hostname = addr.hostname;
    },
  });
  try {
    assert.equal(hostname, "127.0.0.1");
    const base = `http://127.0.0.1:${port}`;
    const list = await (await fetch(`${base}/`)).text();
    const rel = run.slice(store.length + 1);
    assert.ok(list.includes(`href="/${rel.replace("+", "%2B")}/"`), "the run is listed");
    assert.match(list, /background:#FEB5DA">false</, "an invalid run is pink");

    // The run's folder serves its report, written on demand.
    const index = await fetch(`${base}/${rel.replace("+", "%2B")}/`);
    assert.equal(index.status, 200);
    assert.match(await index.text(), /Anomalies/);
    assert.ok((await Deno.stat(`${run}/index.html`)).isFile);
    const noSlash = await fetch(`${base}/${rel}`, { redirect: "manual" });
    assert.equal(noSlash.status, 301);
    await noSlash.body?.cancel();
    const svg = await fetch(`${base}/${rel}/rate.svg`);
    assert.equal(svg.headers.get("content-type"), "image/svg+xml");
    await svg.body?.cancel();

    for (
      const target of [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2f..%2fsecret.txt",
        "/leak.txt",
        "/etc/passwd",
        "/up/secret.txt",
        `/${root.slice(1)}/secret.txt`,
        "//etc/passwd",
      ]
    ) {
      const reply = await rawGet(port, target);
      const status = Number(reply.split(" ")[1]);
      assert.ok(status >= 400, `${target} answered ${status}`);
      assert.ok(!reply.includes("TOP SECRET"), `${target} leaked the secret`);
      assert.ok(!reply.includes("root:"), `${target} leaked /etc/passwd`);
    }
    const post = await fetch(`${base}/`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    ac.abort();
    await server.finished;
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serve: runs are listed once each (symlinks skipped), newest first", async () => {
  const { root, store } = await fixture();
  try {
    await storedRun(store, "challenges/echo.ts", "-w echo --node-count 1 --time-limit 2", 4);
    const runs = await listRuns(store);
    assert.equal(runs.length, 2);
    assert.ok(runs[0].name > runs[1].name);
    assert.deepEqual(runs.map((r) => r.valid).sort(), [false, true]);
    // The handler answers a listing for a plain folder.
    const handler = await storeHandler(store);
    const res = await handler(new Request("http://127.0.0.1/echo/"));
    assert.equal(res.status, 200);
    assert.match(await res.text(), /latest\//);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
