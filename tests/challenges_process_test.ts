// Challenges 1 and 2 as plain subprocesses over pipes, without the harness: what a node sees is
// exactly what Maelstrom would send it.
import assert from "node:assert/strict";
import { createRng } from "../harness/rng.ts";
import { createService } from "../harness/services/kv.ts";
import type { Service } from "../harness/types.ts";
import { ROOT } from "./support.ts";

type Envelope = { src: string; dest: string; body: Record<string, unknown> };

/** Starts a launcher in the temp dir (as Maelstrom does) and talks to it line by line. */
function start(launcher: string) {
  const child = new Deno.Command(`${ROOT}/launchers/${launcher}`, {
    cwd: Deno.makeTempDirSync(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const lines: Envelope[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of child.stdout) {
      const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p));
    }
    assert.equal(partial, "", "stdout ends with a newline");
  })();
  const stderr = new Response(child.stderr).text();
  return {
    lines,
    send: (msgs: unknown[]) =>
      writer.write(encoder.encode(msgs.map((m) => JSON.stringify(m)).join("\n") + "\n")),
    async finish() {
      await writer.close();
      await reading;
      return { status: await child.status, stderr: await stderr };
    },
  };
}

const init = (id: string, ids: string[]) => ({
  src: "c0",
  dest: id,
  body: { type: "init", msg_id: 1, node_id: id, node_ids: ids },
});

Deno.test("echo launcher, run from another directory, prints the two right replies only", async () => {
  const node = start("echo");
  await node.send([
    init("n0", ["n0"]),
    { src: "c1", dest: "n0", body: { type: "echo", msg_id: 1, echo: "Please echo 35" } },
  ]);
  const { status } = await node.finish();
  assert.equal(status.code, 0);
  // Each process starts its msg_ids at a random point (so a restarted node cannot take a reply
  // meant for its previous life), then counts up by one.
  const [first, second] = node.lines.map((l) => (l.body as { msg_id: number }).msg_id);
  assert.ok(Number.isSafeInteger(first) && first > 0, `msg_id ${first}`);
  assert.equal(second, first + 1);
  assert.deepEqual(node.lines, [
    { src: "n0", dest: "c0", body: { type: "init_ok", msg_id: first, in_reply_to: 1 } },
    {
      src: "n0",
      dest: "c1",
      body: { type: "echo_ok", echo: "Please echo 35", msg_id: second, in_reply_to: 1 },
    },
  ]);
});

/** Plays lin-kv for a node that is starting, with the harness's own service (one shared by the
 * nodes, as Maelstrom's is): answers its requests to "lin-kv" until the node answers `init`.
 * Maelstrom sends clients' requests only after every `init_ok`, and so does the test. */
async function initWithLinKv(
  node: ReturnType<typeof start>,
  id: string,
  ids: string[],
  linKv: Service,
) {
  await node.send([init(id, ids)]);
  let answered = 0;
  const deadline = Date.now() + 30_000;
  while (!node.lines.some((l) => l.body.type === "init_ok")) {
    assert.ok(Date.now() < deadline, `${id} never answered init: ${JSON.stringify(node.lines)}`);
    const requests = node.lines.filter((l) => l.dest === "lin-kv").slice(answered);
    answered += requests.length;
    if (requests.length > 0) {
      await node.send(requests.map((r) => ({
        src: "lin-kv",
        dest: id,
        body: { ...linKv.handle(id, r.body), in_reply_to: r.body.msg_id },
      })));
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("unique ids: 3 node processes, 10,000 ids, all distinct", async () => {
  const ids = ["n0", "n1", "n2"];
  const nodes = ids.map(() => start("unique-ids"));
  const linKv = createService("lin-kv", createRng(1));
  await Promise.all(nodes.map((n, i) => initWithLinKv(n, ids[i], ids, linKv)));
  for (let batch = 0; batch < 10; batch++) {
    await Promise.all(
      nodes.map((n, i) =>
        n.send(Array.from({ length: i === 0 ? 334 : 333 }, (_, k) => ({
          src: "c1",
          dest: ids[i],
          body: { type: "generate", msg_id: batch * 1000 + k + 1 },
        })))
      ),
    );
  }
  await Promise.all(nodes.map((n) => n.finish()));
  const generated = nodes.flatMap((n) =>
    n.lines.filter((l) => l.body.type === "generate_ok").map((l) => l.body.id)
  );
  assert.equal(generated.length, 10_000);
  assert.equal(new Set(generated.map((x) => JSON.stringify(x))).size, 10_000);
  // Every id carries the life number the node claimed in lin-kv before its init_ok.
  assert.ok(generated.every((x) => /^n\d-1-\d+$/.test(String(x))), String(generated[0]));
});
