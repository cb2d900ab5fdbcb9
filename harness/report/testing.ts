/**
 * Helpers for the report's tests: a small hand-made run that has every kind of thing the report
 * draws, and a well-formedness check for the SVG and HTML it writes.
 *
 * @module
 */
import { simulate } from "../testing.ts";
import type { JournalEntry } from "../network.ts";
import { createRunDir, writeRun } from "../results.ts";
import type { CheckResult, Op } from "../types.ts";
import { deriveRun, type RunData } from "./load.ts";

const ms = (t: number) => Math.round(t * 1e6);

/** A two-node run with a service, two clients, ok/fail/info/pending ops, an error reply, a
 * dropped message, a partition, a self-message and messages at the same instant.
 *
 * @example
 * ```ts ignore
 * const run = sampleRun();
 * run.spans.length; // 4
 * ```
 */
export function sampleRun(): RunData {
  const history: Op[] = [
    { type: "invoke", process: 0, f: "read", value: null, node: "n0", client: "c1", time: ms(10) },
    { type: "ok", process: 0, f: "read", value: [1], node: "n0", client: "c1", time: ms(12) },
    { type: "invoke", process: 1, f: "add", value: 3, node: "n1", client: "c2", time: ms(20) },
    {
      type: "fail",
      process: 1,
      f: "add",
      value: 3,
      error: [20, "key does not exist"],
      node: "n1",
      client: "c2",
      time: ms(25),
    },
    { type: "info", process: "nemesis", f: "start-partition", value: "one", time: ms(30) },
    {
      type: "info",
      process: "nemesis",
      f: "start-partition",
      value: ["isolated", { n0: ["n1"], n1: ["n0"] }],
      time: ms(30),
    },
    { type: "invoke", process: 0, f: "read", value: null, node: "n0", client: "c1", time: ms(40) },
    { type: "info", process: "nemesis", f: "stop-partition", value: null, time: ms(60) },
    {
      type: "info",
      process: "nemesis",
      f: "stop-partition",
      value: "network-healed",
      time: ms(60),
    },
    {
      type: "info",
      process: 0,
      f: "read",
      value: null,
      error: "net-timeout",
      node: "n0",
      client: "c1",
      time: ms(90),
    },
    { type: "invoke", process: 1, f: "add", value: 5, node: "n1", client: "c2", time: ms(95) },
  ].map((op, index) => ({ ...op, index }) as Op);
  let id = 0;
  const m = (
    src: string,
    dest: string,
    body: Record<string, unknown>,
    sentMs: number,
    recvMs?: number,
    dropped?: JournalEntry["dropped"],
  ): JournalEntry => ({ id: id++, src, dest, body, sentMs, recvMs, dropped });
  const journal: JournalEntry[] = [
    m("c9", "n0", { type: "init", node_id: "n0", node_ids: ["n0", "n1"], msg_id: 1 }, 0, 0),
    m("c1", "n0", { type: "read", msg_id: 1 }, 10, 10.5),
    m("n0", "c1", { type: "read_ok", value: [1], msg_id: 2, in_reply_to: 1 }, 11, 12),
    m("n0", "n1", { type: "gossip", values: [1, 2, 3], msg_id: 3 }, 11, 13),
    m("n1", "lin-kv", { type: "read", key: "x", msg_id: 1 }, 13, 14),
    m(
      "lin-kv",
      "n1",
      { type: "error", code: 20, text: "key does not exist", in_reply_to: 1 },
      14,
      15,
    ),
    m("c2", "n1", { type: "add", delta: 3, msg_id: 1 }, 20, 21),
    m("n1", "c2", { type: "error", code: 20, text: "key does not exist", in_reply_to: 1 }, 24, 25),
    m("n0", "n1", { type: "gossip", values: [1], msg_id: 4 }, 35, undefined, "partition"),
    m("c1", "n0", { type: "read", msg_id: 2 }, 40, 40),
    m(
      "n0",
      "n1",
      { type: "gossip", values: ["a much longer body to be cut", 1, 2, 3, 4, 5, 6] },
      40,
      40,
    ),
    m("n0", "n0", { type: "tick" }, 50, 51),
    m("c2", "n1", { type: "add", delta: 5, msg_id: 2 }, 95),
  ];
  const results: CheckResult = {
    "valid?": false,
    stats: { "valid?": true, count: 4 },
    workload: {
      "valid?": false,
      errors: [{ op: 2, explanation: "Op 2 failed although op 0 said the key existed" }],
    },
    nodes: { "valid?": true, problems: [] },
  };
  return deriveRun({
    dir: "/tmp/sample/store/g-counter/20260101T000000.000+0000",
    results,
    meta: undefined,
    history,
    journal,
    nodeLogs: [{ name: "n0.log", bytes: 10 }, { name: "n1.log", bytes: 0 }],
  });
}

/** Checks that SVG or XHTML-like markup is well formed: every tag closed in order, attributes
 * quoted, no stray `<` or `&`. Throws with the position of the first problem. `voids` are tags
 * that never close (HTML's `meta`, `br`, ...).
 *
 * @example
 * ```ts
 * import { assertWellFormed } from "./testing.ts";
 * assertWellFormed(`<svg><g><line x1="0"/></g></svg>`);
 * ```
 */
export function assertWellFormed(markup: string, voids: readonly string[] = []): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+(?:="[^"<]*"|='[^'<]*')?)*)\s*(\/?)>/y;
  let i = 0;
  while (i < markup.length) {
    const lt = markup.indexOf("<", i);
    const text = markup.slice(i, lt < 0 ? markup.length : lt);
    const amp = /&(?!(amp|lt|gt|quot|#39|#\d+);)/.exec(text);
    if (amp) {
      throw new Error(`bare & at ${i + amp.index}: ${text.slice(amp.index, amp.index + 30)}`);
    }
    if (lt < 0) break;
    if (markup.startsWith("<!doctype", lt) || markup.startsWith("<!--", lt)) {
      i = markup.indexOf(">", lt) + 1;
      continue;
    }
    tag.lastIndex = lt;
    const t = tag.exec(markup);
    if (!t) throw new Error(`bad tag at ${lt}: ${markup.slice(lt, lt + 80)}`);
    const [, close, name, , self] = t;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at ${lt}`);
    } else if (!self && !voids.includes(name.toLowerCase())) {
      stack.push(name);
      if (name === "style" || name === "script") {
        const end = markup.indexOf(`</${name}>`, tag.lastIndex);
        if (end < 0) throw new Error(`<${name}> never closed`);
        tag.lastIndex = end;
      }
    }
    i = tag.lastIndex;
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(" > ")}`);
}

/** HTML's void elements, for {@linkcode assertWellFormed}. */
export const HTML_VOIDS = ["meta", "br", "hr", "img", "input", "link", "source", "wbr"];

/** Simulates a run and stores it like the CLI does (`store/<workload>/<time>/`); returns the
 * run folder.
 *
 * @example
 * ```ts ignore
 * const dir = await storedRun(store, "challenges/echo.ts", "-w echo --node-count 1", 1);
 * ```
 */
export async function storedRun(
  store: string,
  file: string,
  args: string,
  seed: number,
): Promise<string> {
  const run = await simulate(file, args, seed);
  const dir = createRunDir(store, run.opts.workload);
  writeRun(dir, store, run, {
    opts: run.opts,
    argv: [...args.split(" "), "--bin", file],
    runner: "simulation",
    bin: file,
  });
  return dir;
}

/** Writes a large synthetic run into `dir` (for tests of the report's bounds): `ops` echo-like
 * client ops through five nodes, gossip between the nodes until the journal holds `messages`
 * messages, over 100 s, with a partition from 40 s to 50 s. Files are written a chunk at a time.
 *
 * @example
 * ```ts ignore
 * await writeSyntheticRun(dir, { messages: 300_000, ops: 20_000 });
 * ```
 */
export async function writeSyntheticRun(
  dir: string,
  size: { messages: number; ops: number },
): Promise<{ partitionStartMs: number }> {
  const durationMs = 100_000;
  const partitionStartMs = 40_000, partitionEndMs = 50_000;
  const nodes = ["n0", "n1", "n2", "n3", "n4"];
  const grudge = { n0: ["n1", "n2", "n3", "n4"], n1: ["n0"], n2: ["n0"], n3: ["n0"], n4: ["n0"] };
  const history: Op[] = [];
  const journal: JournalEntry[] = [];
  const opGapMs = durationMs / size.ops;
  const gossipPerOp = Math.max(0, Math.floor(size.messages / size.ops) - 2);
  let partitioned = false, healed = false;
  for (let k = 0; k < size.ops; k++) {
    const t = k * opGapMs;
    if (!partitioned && t >= partitionStartMs) {
      partitioned = true;
      history.push({
        index: history.length,
        type: "info",
        process: "nemesis",
        f: "start-partition",
        value: ["isolated", grudge],
        time: ms(t),
      });
    }
    if (partitioned && !healed && t >= partitionEndMs) {
      healed = true;
      history.push({
        index: history.length,
        type: "info",
        process: "nemesis",
        f: "stop-partition",
        value: "network-healed",
        time: ms(t),
      });
    }
    const process = k % 10, client = `c${process + 1}`, node = nodes[k % 5];
    history.push({
      index: history.length,
      type: "invoke",
      process,
      f: "echo",
      value: k,
      node,
      client,
      time: ms(t),
    });
    journal.push({
      id: journal.length,
      src: client,
      dest: node,
      body: { type: "echo", echo: k, msg_id: k },
      sentMs: t,
      recvMs: t + 0.1,
    });
    for (let g = 0; g < gossipPerOp; g++) {
      const dest = nodes[(k + g + 1) % 5];
      const sentMs = t + 0.1 + g * 0.01;
      const cut = t >= partitionStartMs && t < partitionEndMs && (dest === "n0" || node === "n0");
      journal.push({
        id: journal.length,
        src: node,
        dest,
        body: { type: "gossip", values: [k, g] },
        sentMs,
        ...(cut ? { dropped: "partition" as const } : { recvMs: sentMs + 0.2 }),
      });
    }
    journal.push({
      id: journal.length,
      src: node,
      dest: client,
      body: { type: "echo_ok", echo: k, in_reply_to: k },
      sentMs: t + 0.4,
      recvMs: t + 0.5,
    });
    history.push({
      index: history.length,
      type: "ok",
      process,
      f: "echo",
      value: k,
      node,
      client,
      time: ms(t + 0.5),
    });
  }
  const writeLines = async (path: string, xs: readonly unknown[]) => {
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    const enc = new TextEncoder();
    for (let i = 0; i < xs.length; i += 10_000) {
      const chunk = xs.slice(i, i + 10_000).map((x) => JSON.stringify(x) + "\n").join("");
      const bytes = enc.encode(chunk);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    }
    file.close();
  };
  await writeLines(`${dir}/history.jsonl`, history);
  await writeLines(`${dir}/messages.jsonl`, journal);
  const results: CheckResult = {
    "valid?": true,
    stats: { "valid?": true, count: size.ops },
    nodes: { "valid?": true, problems: [] },
  };
  await Deno.writeTextFile(`${dir}/results.json`, JSON.stringify(results, null, 2) + "\n");
  return { partitionStartMs };
}
