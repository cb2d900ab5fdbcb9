/// <reference lib="dom" />
/**
 * The run reports in a real browser: headless Chromium driven by playwright-core loads pages from
 * `serveStore` and checks that the diagram and plots render, then takes screenshots.
 *
 * The browser is the first found of: `$CHROMIUM_PATH`, Debian's `/usr/bin/chromium` (what
 * `.ci/install-browser.sh` installs), and a Chromium in Playwright's browser cache
 * (`$PLAYWRIGHT_BROWSERS_PATH` or `~/.cache/ms-playwright`). Without one the test is reported as
 * ignored, with the way to install one in its name; with `CI=true` it runs and fails instead, so
 * CI always exercises it.
 *
 * Screenshots go to a temporary folder, or to `$REPORT_SCREENSHOTS` when set (kept, to look at).
 *
 * @module
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "npm:playwright-core@^1.50.0";
import { serveStore } from "../harness/report/serve.ts";
import { storedRun } from "../harness/report/testing.ts";

const INSTALL_HINT = "install one with `bash .ci/install-browser.sh`, " +
  "or `npx playwright install chromium`, or set CHROMIUM_PATH";

/** The Chromium executable to drive, or `undefined` when none is installed.
 *
 * @example
 * ```ts ignore
 * findChromium(); // "/usr/bin/chromium" on a Debian machine with its chromium package
 * ```
 */
export function findChromium(
  env = (name: string) => Deno.env.get(name),
  systemPath = "/usr/bin/chromium",
): string | undefined {
  const candidates: string[] = [];
  const named = env("CHROMIUM_PATH");
  if (named) candidates.push(named);
  candidates.push(systemPath);
  const cache = env("PLAYWRIGHT_BROWSERS_PATH") ??
    (env("HOME") ? `${env("HOME")}/.cache/ms-playwright` : undefined);
  if (cache) {
    let entries: string[] = [];
    try {
      entries = [...Deno.readDirSync(cache)].map((e) => e.name).sort().reverse();
    } catch {
      // No cache.
    }
    for (const name of entries) {
      if (name.startsWith("chromium_headless_shell-")) {
        candidates.push(`${cache}/${name}/chrome-linux/headless_shell`);
      } else if (name.startsWith("chromium-")) {
        candidates.push(`${cache}/${name}/chrome-linux/chrome`);
      }
    }
  }
  return candidates.find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
}

const CHROMIUM = findChromium();
const ON_CI = Deno.env.get("CI") === "true";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function assertChromium(): string {
  if (!CHROMIUM) {
    throw new Error(
      `No Chromium found (CHROMIUM_PATH, /usr/bin/chromium, Playwright's cache): the report's ` +
        `browser test needs one on CI; ${INSTALL_HINT}`,
    );
  }
  return CHROMIUM;
}

/** Checks a screenshot is a real PNG of a real page: the signature, a sensible size, and enough
 * bytes that it is not a blank canvas. */
async function assertScreenshot(path: string, minWidth: number, minHeight: number) {
  const png = await Deno.readFile(path);
  assert.deepEqual([...png.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset);
  const width = view.getUint32(16), height = view.getUint32(20);
  assert.ok(width >= minWidth && height >= minHeight, `${path} is ${width}x${height}`);
  // A blank page of this size compresses to a few kilobytes; text and drawings do not.
  assert.ok(png.length > 20_000, `${path} has only ${png.length} bytes: is the page blank?`);
}

/** The size of an element as laid out, failing when it is missing or empty. */
async function assertRendered(page: Page, selector: string, what: string) {
  const box = await page.locator(selector).first().boundingBox();
  assert.ok(box, `${what} (${selector}) is not rendered`);
  assert.ok(box.width > 50 && box.height > 50, `${what} is ${box.width}x${box.height}`);
}

Deno.test("a Chromium is found by CHROMIUM_PATH, the Debian path, then Playwright's cache", () => {
  const root = Deno.makeTempDirSync({ prefix: "glomers-chromium-" });
  try {
    const cache = `${root}/ms-playwright`;
    const older = `${cache}/chromium-1100/chrome-linux/chrome`;
    const newer = `${cache}/chromium-1200/chrome-linux/chrome`;
    for (const path of [older, newer, `${root}/mine`]) {
      Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      Deno.writeTextFileSync(path, "");
    }
    const env = (vars: Record<string, string>) => (name: string) => vars[name];
    const missing = `${root}/no-system-chromium`;
    assert.equal(findChromium(env({ HOME: root }), missing), undefined);
    assert.equal(findChromium(env({ PLAYWRIGHT_BROWSERS_PATH: cache }), missing), newer);
    Deno.mkdirSync(`${root}/.cache`);
    Deno.renameSync(cache, `${root}/.cache/ms-playwright`);
    assert.equal(
      findChromium(env({ HOME: root }), missing),
      `${root}/.cache/ms-playwright/chromium-1200/chrome-linux/chrome`,
    );
    assert.equal(
      findChromium(env({ HOME: root, CHROMIUM_PATH: `${root}/mine` }), missing),
      `${root}/mine`,
    );
    assert.equal(findChromium(env({ HOME: root }), `${root}/mine`), `${root}/mine`);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test({
  name: "report in Chromium: run list, plots, message diagram, anomaly links, screenshots" +
    (CHROMIUM || ON_CI ? "" : ` (no Chromium found: ${INSTALL_HINT})`),
  ignore: !CHROMIUM && !ON_CI,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const executablePath = assertChromium();
    const root = await Deno.makeTempDir({ prefix: "glomers-browser-" });
    const shots = Deno.env.get("REPORT_SCREENSHOTS") ?? `${root}/shots`;
    await Deno.mkdir(shots, { recursive: true });
    const store = `${root}/store`;
    await Deno.mkdir(store);
    const valid = await storedRun(
      store,
      "challenges/broadcast.ts",
      "-w broadcast --node-count 5 --time-limit 10 --rate 10 --nemesis partition --nemesis-interval 3",
      7,
    );
    const invalid = await storedRun(
      store,
      "tests/fixtures/echo_wrong.ts",
      "-w echo --node-count 2 --time-limit 5",
      7,
    );
    const rel = (dir: string) =>
      dir.slice(store.length + 1).split("/").map(encodeURIComponent).join("/");

    const ac = new AbortController();
    let port = 0;
    const server = await serveStore({
      store,
      port: 0,
      signal: ac.signal,
      onListen: (a) => (port = a.port),
    });
    const context = await chromium.launchPersistentContext(`${root}/profile`, {
      executablePath,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 1000 },
    });
    try {
      const page = await context.newPage();
      const base = `http://127.0.0.1:${port}`;

      // The run list: both runs, verdicts coloured like Maelstrom's (true blue, false pink).
      await page.goto(`${base}/`);
      assert.equal(await page.locator("table.runs tr").count(), 3);
      const colour = (text: string) =>
        page.locator(".pill", { hasText: text }).first().evaluate((el) =>
          getComputedStyle(el).backgroundColor
        );
      assert.equal(await colour("true"), "rgb(109, 182, 254)");
      assert.equal(await colour("false"), "rgb(254, 181, 218)");
      await page.screenshot({ path: `${shots}/runs.png` });
      await assertScreenshot(`${shots}/runs.png`, 1000, 500);

      // A valid run: its report is written on the first visit; three plots render.
      await page.goto(`${base}/${rel(valid)}/`);
      assert.match(await page.locator("h1").innerText(), /broadcast/);
      assert.equal(await page.locator("svg.plot").count(), 3);
      for (const kind of ["latency-raw", "latency-quantiles", "rate"]) {
        await assertRendered(page, `svg.plot.${kind}`, `the ${kind} plot`);
      }
      assert.ok((await page.locator("svg.plot .partition rect").count()) > 0, "partitions shaded");
      assert.equal(await page.locator("#anomalies").count(), 0);
      await page.screenshot({ path: `${shots}/valid-index.png`, fullPage: true });
      await assertScreenshot(`${shots}/valid-index.png`, 1000, 1500);

      // Its message diagram: one line per node, arrows, the partition band.
      await page.locator("table.pages-table a").first().click();
      await page.waitForLoadState("load");
      await assertRendered(page, "svg.lamport", "the Lamport diagram");
      assert.equal(await page.locator('svg.lamport line.lane[data-kind="node"]').count(), 5);
      assert.equal(await page.locator('svg.lamport-header text.name[data-kind="node"]').count(), 5);
      assert.ok((await page.locator("svg.lamport g.msg").count()) > 50);
      assert.ok((await page.locator("svg.lamport g.partition rect").count()) > 0);
      assert.ok((await page.locator("svg.lamport rect.op").count()) > 10);
      await page.screenshot({ path: `${shots}/valid-diagram.png` });
      await assertScreenshot(`${shots}/valid-diagram.png`, 1000, 800);

      // An invalid run: anomalies listed, each linked to its ops and messages.
      await page.goto(`${base}/${rel(invalid)}/`);
      await assertRendered(page, "#anomalies + ol", "the anomaly list");
      assert.ok((await page.locator("li.anomaly").count()) > 0);
      assert.ok((await page.locator('li.anomaly a[href*="history-001.html#op-"]').count()) > 0);
      assert.ok((await page.locator('li.anomaly a[href*="#m-"]').count()) > 0);
      await page.screenshot({ path: `${shots}/invalid-index.png` });
      await assertScreenshot(`${shots}/invalid-index.png`, 1000, 800);

      // "show in diagram" lands on the op's bar, centred and highlighted, with its badge.
      const link = page.locator("li.anomaly a", { hasText: "show in diagram" }).first();
      const href = (await link.getAttribute("href"))!;
      const opId = href.slice(href.indexOf("#") + 1);
      await link.click();
      await page.waitForLoadState("load");
      await page.waitForFunction((id) => {
        const r = document.getElementById(id)?.getBoundingClientRect();
        return r && r.top > 0 && r.bottom < innerHeight;
      }, opId);
      const target = page.locator(`[id="${opId}"]`);
      assert.equal(
        await target.evaluate((el) => getComputedStyle(el).stroke),
        "rgb(17, 17, 17)",
        "the linked op is highlighted",
      );
      assert.ok((await page.locator("svg.lamport a.badge").count()) > 0, "anomalous ops badged");
      await page.screenshot({ path: `${shots}/invalid-diagram.png` });
      await assertScreenshot(`${shots}/invalid-diagram.png`, 1000, 800);

      // And the op's row in the history table.
      await page.goBack();
      await page.locator('li.anomaly a[href*="history-001.html#op-"]').first().click();
      await page.waitForLoadState("load");
      const rowId = new URL(page.url()).hash.slice(1);
      assert.ok(await page.locator(`tr[id="${rowId}"]`).isVisible());
      await page.screenshot({ path: `${shots}/history.png` });
      await assertScreenshot(`${shots}/history.png`, 1000, 800);
      if (Deno.env.get("REPORT_SCREENSHOTS")) console.log(`screenshots: ${shots}`);
    } finally {
      await context.close();
      ac.abort();
      await server.finished;
      if (!Deno.env.get("REPORT_SCREENSHOTS")) await Deno.remove(root, { recursive: true });
    }
  },
});
