/**
 * Runs challenge parts with their fly.io command lines: through a real Maelstrom when `MAELSTROM`
 * names one or `maelstrom` is on PATH, through our harness otherwise.
 *
 * ```sh
 * deno task test:broadcast          # every broadcast part, 3a-3e
 * deno task test:broadcast 3d       # one part
 * ```
 *
 * @module
 */
import { isBuilt, type Part, PARTS } from "./parts.ts";

/** The project root (this file lives in `tasks/`). */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The command that runs `maelstrom test`: a real Maelstrom if one is installed, else ours. */
export function maelstromCommand(): { cmd: string; args: string[]; real: boolean } {
  const env = Deno.env.get("MAELSTROM");
  if (env) return { cmd: env, args: [], real: true };
  const path = (Deno.env.get("PATH") ?? "").split(":");
  for (const dir of path) {
    try {
      const p = `${dir}/maelstrom`;
      if (Deno.statSync(p).isFile) return { cmd: p, args: [], real: true };
    } catch {
      // Not in this directory.
    }
  }
  return { cmd: Deno.execPath(), args: ["run", "-A", `${ROOT}/harness/cli.ts`], real: false };
}

/** What one part's run produced. */
export interface PartRun {
  part: Part;
  code: number;
  /** The run's results, read from the store (our harness only). */
  results?: Record<string, unknown>;
  wallS: number;
}

/** Runs one part, streaming its output, and returns the exit code and results. */
export async function runPart(part: Part, extra: string[] = [], quiet = false): Promise<PartRun> {
  const m = maelstromCommand();
  const store = `${ROOT}/store`;
  const args = [
    ...m.args,
    "test",
    "--bin",
    `${ROOT}/launchers/${part.challenge}`,
    ...part.args,
    ...(m.real ? [] : ["--store", store]),
    ...extra,
  ];
  const started = performance.now();
  const child = new Deno.Command(m.cmd, {
    args,
    cwd: ROOT,
    stdout: quiet ? "piped" : "inherit",
    stderr: quiet ? "piped" : "inherit",
  }).spawn();
  const { code } = await child.output();
  const wallS = (performance.now() - started) / 1000;
  let results: Record<string, unknown> | undefined;
  if (!m.real) {
    try {
      results = JSON.parse(Deno.readTextFileSync(`${store}/latest/results.json`));
    } catch {
      // The run crashed before analysis.
    }
  }
  return { part, code, results, wallS };
}

if (import.meta.main) {
  const [challenge, only] = Deno.args;
  const parts = PARTS.filter((p) => p.challenge === challenge && (!only || p.id === only));
  if (parts.length === 0) {
    console.error(`No part matches challenge "${challenge}"${only ? ` and part "${only}"` : ""}`);
    Deno.exit(254);
  }
  const m = maelstromCommand();
  console.error(m.real ? `Using Maelstrom at ${m.cmd}` : "Using the embedded harness");
  let failed = 0;
  for (const part of parts) {
    if (!isBuilt(part, ROOT)) {
      console.error(`Part ${part.id}: challenges/${part.challenge}.ts does not exist yet`);
      failed++;
      continue;
    }
    console.error(`\n=== Part ${part.id}: ${part.title} ===`);
    const run = await runPart(part);
    if (run.code !== 0) failed++;
  }
  Deno.exit(failed === 0 ? 0 : 1);
}
