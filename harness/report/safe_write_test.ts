import assert from "node:assert/strict";
import { UnsafeReportPathError, writeReport } from "./mod.ts";
import { RunFolder } from "./safe_write.ts";
import { storeHandler } from "./serve.ts";
import { sampleRun } from "./testing.ts";

/** A temp folder with `store/g-counter/run/` (the sample run's files) and `outside/`, a folder
 * nothing may write into. */
async function fixture(): Promise<{ root: string; store: string; run: string; outside: string }> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "glomers-symlink-" }));
  const store = `${root}/store`;
  const run = `${store}/g-counter/run`;
  const outside = `${root}/outside`;
  await Deno.mkdir(run, { recursive: true });
  await Deno.mkdir(outside);
  const sample = sampleRun();
  const lines = (xs: unknown[]) => xs.map((x) => JSON.stringify(x) + "\n").join("");
  await Deno.writeTextFile(`${run}/results.json`, JSON.stringify(sample.results));
  await Deno.writeTextFile(`${run}/history.jsonl`, lines(sample.history));
  await Deno.writeTextFile(`${run}/messages.jsonl`, lines(sample.journal));
  return { root, store, run, outside };
}

/** Every file under `dir`, with its contents. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(dir)) {
    out[e.name] = e.isFile ? await Deno.readTextFile(`${dir}/${e.name}`) : "(not a file)";
  }
  return out;
}

const cases: { name: string; plant: (run: string, outside: string) => Promise<string> }[] = [
  {
    name: "a plot that is a symlink to a file outside",
    plant: async (run, outside) => {
      await Deno.writeTextFile(`${outside}/victim.txt`, "precious");
      await Deno.symlink(`${outside}/victim.txt`, `${run}/rate.svg`);
      return `${run}/rate.svg`;
    },
  },
  {
    name: "a dangling symlink where a plot goes",
    plant: async (run, outside) => {
      await Deno.symlink(`${outside}/new.txt`, `${run}/latency-raw.svg`);
      return `${run}/latency-raw.svg`;
    },
  },
  {
    name: "the report folder as a symlink to a folder outside",
    plant: async (run, outside) => {
      await Deno.mkdir(`${outside}/elsewhere`);
      await Deno.symlink(`${outside}/elsewhere`, `${run}/report`);
      return `${run}/report`;
    },
  },
  {
    name: "a diagram page that is a symlink",
    plant: async (run, outside) => {
      await Deno.mkdir(`${run}/report`);
      await Deno.writeTextFile(`${outside}/page.txt`, "precious");
      await Deno.symlink(`${outside}/page.txt`, `${run}/report/messages-001.html`);
      return `${run}/report/messages-001.html`;
    },
  },
  {
    name: "the index as a symlink",
    plant: async (run, outside) => {
      await Deno.writeTextFile(`${outside}/index.txt`, "precious");
      await Deno.symlink(`${outside}/index.txt`, `${run}/index.html`);
      return `${run}/index.html`;
    },
  },
];

for (const c of cases) {
  Deno.test(`report: ${c.name} is refused by name, and nothing outside changes`, async () => {
    const { root, run, outside } = await fixture();
    try {
      const planted = await c.plant(run, outside);
      const before = await snapshot(outside);
      await assert.rejects(() => writeReport(run), (err: Error) => {
        assert.ok(err instanceof UnsafeReportPathError, String(err));
        assert.ok(err.message.includes(`"${planted}"`), err.message);
        assert.match(err.message, /^Refusing to write the report: ".*" is a symlink, not a/);
        return true;
      });
      assert.deepEqual(await snapshot(outside), before);
      if (c.name.includes("folder outside")) {
        assert.deepEqual(await snapshot(`${outside}/elsewhere`), {});
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("serve: a GET of a run folder holding a symlink writes nothing outside the store", async () => {
  const { root, store, run, outside } = await fixture();
  try {
    await Deno.writeTextFile(`${outside}/victim.txt`, "precious");
    await Deno.symlink(`${outside}/victim.txt`, `${run}/rate.svg`);
    await Deno.mkdir(`${outside}/elsewhere`);
    await Deno.symlink(`${outside}/elsewhere`, `${run}/report`);
    const handler = await storeHandler(store);
    const res = await handler(new Request("http://127.0.0.1/g-counter/run/"));
    assert.equal(res.status, 500);
    assert.match(await res.text(), /Refusing to write the report: ".*" is a symlink/);
    assert.equal(await Deno.readTextFile(`${outside}/victim.txt`), "precious");
    assert.deepEqual(await snapshot(`${outside}/elsewhere`), {});
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("report: a run folder reached through a symlink (store/latest) is still written", async () => {
  const { root, store, run } = await fixture();
  try {
    await Deno.symlink("g-counter/run", `${store}/latest`);
    const info = await writeReport(`${store}/latest`);
    assert.equal(info.index, `${store}/latest/index.html`);
    assert.ok((await Deno.lstat(`${run}/index.html`)).isFile);
    // No temporary files are left beside the report's files.
    const names = [...Deno.readDirSync(run), ...Deno.readDirSync(`${run}/report`)].map((e) =>
      e.name
    );
    assert.deepEqual(names.filter((n) => n.endsWith(".tmp")), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("RunFolder: paths that climb out are refused; a plain file is replaced, not appended", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folder = await RunFolder.open(dir);
    for (const bad of ["../x", "a/../../x", "/etc/passwd", "./x", ""]) {
      await assert.rejects(() => folder.write(bad, "x"), UnsafeReportPathError, bad);
    }
    await folder.write("a.txt", "first, longer");
    await folder.write("a.txt", "second");
    assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "second");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
