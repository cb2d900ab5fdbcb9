import assert from "node:assert/strict";
import { AnalyzeError, analyzeMain, analyzeRun } from "./analyze.ts";
import { parseExact } from "./json.ts";
import { storedRun } from "./report/testing.ts";
import { type CapturedRun, captureMain } from "./testing.ts";

/** Runs `analyzeMain` with console output captured. */
function runMain(argv: string[]): Promise<CapturedRun> {
  return captureMain(() => analyzeMain(argv));
}

const TXN_ARGS = "-w txn-rw-register --node-count 2 --concurrency 2n --time-limit 5 --rate 200 " +
  "--consistency-models read-committed --availability total --nemesis partition " +
  "--nemesis-interval 1";

Deno.test("analyze: a stored valid run gets the same verdict and results, in a new file", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-analyze-" });
  try {
    const dir = await storedRun(
      store,
      "challenges/broadcast.ts",
      "-w broadcast --node-count 3 --time-limit 5 --rate 20",
      4,
    );
    const stored = await Deno.readTextFile(`${dir}/results.json`);
    const { code, stdout } = await runMain(["-t", `${store}/latest`]);
    assert.equal(code, 0);
    assert.match(stdout, /Everything looks good! ヽ\(‘ー`\)ノ$/);
    assert.match(stdout, /✓ net +msgs-per-op/);
    assert.equal(await Deno.readTextFile(`${dir}/results.json`), stored, "results.json untouched");
    const files = [...Deno.readDirSync(dir)].map((e) => e.name)
      .filter((n) => /^results-analyze-\d{8}T\d{6}\.\d{3}\.json$/.test(n));
    assert.equal(files.length, 1);
    // Every checker, the net figures recomputed from messages.jsonl included, agrees.
    assert.deepEqual(
      JSON.parse(await Deno.readTextFile(`${dir}/${files[0]}`)),
      JSON.parse(stored),
    );

    // A second analysis in the same millisecond never overwrites the first.
    const now = new Date();
    const a = await analyzeRun(dir, {}, now);
    const b = await analyzeRun(dir, {}, now);
    assert.notEqual(a.resultsFile, b.resultsFile);
    assert.match(b.resultsFile, /-1\.json$/);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("analyze: a txn run valid under read-committed is invalid under serializable (G2-item)", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-analyze-" });
  try {
    const dir = await storedRun(store, "challenges/txn.ts", TXN_ARGS, 3);
    const stored = JSON.parse(await Deno.readTextFile(`${dir}/results.json`));
    assert.equal(stored["valid?"], true, "the run itself passes read-committed");
    const same = await analyzeRun(dir);
    assert.equal(same.code, 0);
    const stronger = await runMain([dir, "--consistency-models", "serializable"]);
    assert.equal(stronger.code, 1);
    assert.match(stronger.stdout, /\[workload G2-item\]/);
    assert.match(stronger.stdout, /Analysis invalid! \(ﾉಥ益ಥ）ﾉ ┻━┻$/);
    const file = /Results: (\S+results-analyze-\S+\.json)/.exec(stronger.stdout)![1];
    const results = JSON.parse(await Deno.readTextFile(file));
    assert.equal(results["valid?"], false);
    assert.equal(results.workload["valid?"], false);
    assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/results.json`))["valid?"], true);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("analyze: a missing or corrupt run folder is one sentence and exit 254", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-analyze-" });
  try {
    const missing = await runMain(["--store", store]);
    assert.equal(missing.code, 254);
    assert.equal(missing.stderr, `There is no run folder at "${store}/latest"`);

    const dir = await storedRun(
      store,
      "challenges/echo.ts",
      "-w echo --node-count 1 --time-limit 2",
      1,
    );
    const real = await Deno.realPath(dir);
    const history = await Deno.readTextFile(`${dir}/history.jsonl`);
    const test = await Deno.readTextFile(`${dir}/test.json`);
    const cases: [string, () => Promise<void>, string][] = [
      [
        "a history line that is not JSON",
        () => Deno.writeTextFile(`${dir}/history.jsonl`, history + '{"type": \n'),
        `Line ${history.split("\n").length} of "${real}/history.jsonl" is not a JSON object`,
      ],
      [
        "no history",
        () => Deno.remove(`${dir}/history.jsonl`),
        `The run folder "${real}" has no history.jsonl, so there is nothing to check`,
      ],
      [
        "a test.json that is not JSON",
        () => Deno.writeTextFile(`${dir}/test.json`, "{"),
        `The test.json of "${real}" is not valid JSON`,
      ],
      [
        "a test.json without options",
        () => Deno.writeTextFile(`${dir}/test.json`, `{"opts": {"workload": "nope"}}`),
        `The test.json of "${real}" does not describe a run: "opts.workload" is an unknown workload`,
      ],
      [
        "no test.json",
        () => Deno.remove(`${dir}/test.json`),
        `The run folder "${real}" has no test.json, so its options are unknown`,
      ],
    ];
    for (const [name, spoil, message] of cases) {
      await Deno.writeTextFile(`${dir}/history.jsonl`, history);
      await Deno.writeTextFile(`${dir}/test.json`, test);
      await spoil();
      const r = await runMain(["-t", dir]);
      assert.equal(r.code, 254, name);
      assert.equal(r.stderr, message, name);
      await assert.rejects(() => analyzeRun(dir), AnalyzeError, name);
    }
    const bad = await runMain(["-t", dir, "--availability", "0x1"]);
    assert.equal(bad.code, 254);
    assert.match(bad.stderr, /^--availability must be "total" or a number from 0 to 1, not "0x1"/);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

// --- A stored history is read exactly: numbers past 2^53 keep every digit. ---

/** Replaces the stored history of `dir` with these lines (JSON text, so digits are as written). */
async function storeHistory(dir: string, lines: string[]): Promise<void> {
  const ops = lines.map((l, i) => l.replace(/^\{/, `{"index":${i},"time":${i * 1_000_000},`));
  await Deno.writeTextFile(`${dir}/history.jsonl`, ops.join("\n") + "\n");
}

Deno.test("analyze: a counter history past 2^53 is checked exactly, a read off by one caught", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-analyze-" });
  try {
    const dir = await storedRun(
      store,
      "challenges/counter.ts",
      "-w g-counter --node-count 1 --time-limit 2 --rate 10",
      2,
    );
    // The adds sum to 2^53 + 1. Read as doubles, that sum and a read of 2^53 are one number.
    const adds = [
      '{"type":"invoke","process":0,"f":"add","value":9007199254740991}',
      '{"type":"ok","process":0,"f":"add","value":9007199254740991}',
      '{"type":"invoke","process":0,"f":"add","value":2}',
      '{"type":"ok","process":0,"f":"add","value":2}',
      '{"type":"invoke","process":0,"f":"read","value":null,"final":true,"node":"n0"}',
    ];
    await storeHistory(dir, [
      ...adds,
      '{"type":"ok","process":0,"f":"read","value":9007199254740993,"final":true,"node":"n0"}',
    ]);
    const good = await analyzeRun(dir);
    assert.equal(good.code, 0, good.text);

    await storeHistory(dir, [
      ...adds,
      '{"type":"ok","process":0,"f":"read","value":9007199254740992,"final":true,"node":"n0"}',
    ]);
    const bad = await analyzeRun(dir);
    assert.equal(bad.code, 1, bad.text);
    const results = parseExact(await Deno.readTextFile(bad.resultsFile)) as {
      workload: { "error-details": { value: unknown; explanation: string }[] };
    };
    const [detail] = results.workload["error-details"];
    assert.equal(detail.value, 9007199254740992n);
    assert.match(detail.explanation, /the acknowledged adds sum to 9007199254740993/);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("analyze: kafka offsets past 2^53 stay apart; a reused one is inconsistent-offsets", async () => {
  const store = await Deno.makeTempDir({ prefix: "glomers-analyze-" });
  try {
    const dir = await storedRun(
      store,
      "challenges/kafka.ts",
      "-w kafka --node-count 1 --time-limit 2 --rate 10",
      2,
    );
    // 2^53 and 2^53 + 1, which JSON.parse reads as one number.
    const history = (second: string) => [
      '{"type":"invoke","process":0,"f":"send","value":[["send","k",1]]}',
      '{"type":"ok","process":0,"f":"send","value":[["send","k",[9007199254740992,1]]]}',
      '{"type":"invoke","process":0,"f":"send","value":[["send","k",2]]}',
      `{"type":"ok","process":0,"f":"send","value":[["send","k",[${second},2]]]}`,
      '{"type":"invoke","process":1,"f":"poll","value":[["poll"]]}',
      `{"type":"ok","process":1,"f":"poll","value":[["poll",{"k":[[9007199254740992,1],[${second},2]]}]]}`,
    ];
    await storeHistory(dir, history("9007199254740993"));
    const good = await analyzeRun(dir);
    assert.equal(good.code, 0, good.text);

    await storeHistory(dir, history("9007199254740992"));
    const bad = await analyzeRun(dir);
    assert.equal(bad.code, 1, bad.text);
    assert.match(bad.text, /inconsistent-offsets/);
    const results = parseExact(await Deno.readTextFile(bad.resultsFile)) as {
      workload: Record<string, { errs: { offset: unknown }[] }>;
    };
    assert.equal(results.workload["inconsistent-offsets"].errs[0].offset, 9007199254740992n);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});
