/// <reference lib="dom" />
/**
 * The run reports in a real browser: headless Chromium (Debian's `chromium`, installed by
 * `.ci/install-browser.sh`) driven by playwright-core loads pages from `serveStore` and checks
 * that the diagram and plots render, then takes screenshots.
 *
 * Screenshots go to a temporary folder, or to `$REPORT_SCREENSHOTS` when set (kept, to look at).
 *
 * @module
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "npm:playwright-core@^1.50.0";
import { serveStore } from "../harness/report/serve.ts";
import { storedRun } from "../harness/report/testing.ts";

const CHROMIUM = "/usr/bin/chromium";
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

function assertChromium(): void {
  try {
    Deno.statSync(CHROMIUM);
  } catch {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the report's browser test needs it. ` +
        `Install it with: bash .ci/install-browser.sh`,
    );
  }
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

Deno.test({
  name: "report in Chromium: run list, plots, message diagram, anomaly links, screenshots",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assertChromium();
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
      executablePath: CHROMIUM,
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
