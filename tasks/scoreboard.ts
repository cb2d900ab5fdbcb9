/**
 * The scoreboard: runs every challenge part that exists with its fly.io command line and prints
 * one table: verdict, messages per operation, latency, and time.
 *
 * ```sh
 * deno task scoreboard                      # in the deterministic simulator: all parts in seconds
 * deno task scoreboard --real               # real processes in real time (a real Maelstrom if installed)
 * deno task scoreboard --seed 7             # any maelstrom flag is passed on
 * deno task scoreboard --nemesis kill,pause # every part under these faults too
 * ```
 *
 * With `--nemesis`, the faults are added to each part's own (`--nemesis partition` becomes
 * `--nemesis partition,kill,pause`), and `--availability total` is dropped where a killed or
 * paused node makes it impossible: that node's clients can only time out.
 *
 * @module
 */
import { parseFaults } from "../harness/nemesis.ts";
import { formatTable, opLatenciesMs, quantile } from "./figures.ts";
import { PARTS } from "./parts.ts";
import { runPart } from "./run_parts.ts";

/** A part's command line with extra faults: they join the part's own `--nemesis` list, and
 * `--availability total` goes when a fault takes nodes down (`kill` or `pause`), since no
 * program answers from a dead or stopped process.
 *
 * @example
 * ```ts
 * import { withFaults } from "./scoreboard.ts";
 * withFaults("-w unique-ids --availability total --nemesis partition".split(" "), ["kill"]);
 * // { args: ["-w", "unique-ids", "--nemesis", "partition,kill"], droppedAvailability: true }
 * ```
 */
export function withFaults(
  args: readonly string[],
  faults: readonly string[],
): { args: string[]; droppedAvailability: boolean } {
  if (faults.length === 0) return { args: [...args], droppedAvailability: false };
  const out: string[] = [];
  const own: string[] = [];
  let droppedAvailability = false;
  const down = faults.includes("kill") || faults.includes("pause");
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--nemesis") {
      own.push(...parseFaults(args[++i]));
    } else if (args[i] === "--availability" && args[i + 1] === "total" && down) {
      i++;
      droppedAvailability = true;
    } else out.push(args[i]);
  }
  const all = [...own, ...faults.filter((f) => !own.includes(f))];
  out.push("--nemesis", all.join(","));
  return { args: out, droppedAvailability };
}

/** Takes `--nemesis X` (or `--nemesis=X`) out of the scoreboard's own arguments. */
function takeNemesis(argv: readonly string[]): { faults: string[]; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--nemesis") value = argv[++i] ?? "";
    else if (argv[i].startsWith("--nemesis=")) value = argv[i].slice("--nemesis=".length);
    else rest.push(argv[i]);
  }
  return { faults: parseFaults(value), rest };
}

async function main(argv: readonly string[]): Promise<number> {
  const real = argv.includes("--real");
  let faults: string[], extra: string[];
  try {
    ({ faults, rest: extra } = takeNemesis(argv.filter((a) => a !== "--real")));
  } catch (err) {
    console.error((err as Error).message);
    return 254;
  }

  const rows: string[][] = [];
  let failed = 0;
  let footnote = false;
  const fmt = (x: number | undefined, digits = 0) =>
    x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits);
  console.error(
    (real
      ? "Running every part as real processes, in real time (about 6 minutes)…"
      : "Running every part in the deterministic simulator…") +
      (faults.length ? ` Extra faults: ${faults.join(", ")}.` : ""),
  );
  for (const part of PARTS) {
    const { args, droppedAvailability } = withFaults(part.args, faults);
    footnote ||= droppedAvailability;
    const run = await runPart({ ...part, args }, {
      mode: real ? "maelstrom" : "sim",
      quiet: true,
      extra,
    });
    const net = run.results?.net;
    const lat = opLatenciesMs(run.history ?? [], { type: "ok" });
    const stable = run.results?.workload["stable-latencies"] as Record<string, number> | undefined;
    const verdict = run.code === 0 ? "valid" : run.code === 1 ? "INVALID" : `exit ${run.code}`;
    if (run.code !== 0) failed++;
    rows.push([
      part.id + (droppedAvailability ? " †" : ""),
      part.title,
      verdict,
      fmt(net?.servers["msgs-per-op"], 2),
      fmt(net?.all["msgs-per-op"], 2),
      `${fmt(quantile(lat, 0.5), 1)} / ${fmt(quantile(lat, 0.99), 1)}`,
      stable ? `${stable["0.5"]} / ${stable["1"]}` : "",
      run.wallS.toFixed(1),
    ]);
    if (run.code !== 0 && run.output) console.error(run.output.split("\n").slice(-25).join("\n"));
  }

  const header = [
    "part",
    "challenge",
    "verdict",
    "msgs/op srv",
    "msgs/op all",
    "op ms p50 / p99",
    "stable ms p50 / max",
    "wall s",
  ];
  console.log(formatTable(header, rows));
  console.log(
    `\n${real ? "Real processes" : "Simulation (virtual time)"}${
      faults.length ? `, with --nemesis ${faults.join(",")} added to every part` : ""
    }; total wall time ${rows.reduce((s, r) => s + (Number(r[7]) || 0), 0).toFixed(1)} s.`,
  );
  if (footnote) {
    console.log(
      "† --availability total dropped from this part's fly.io command: a killed or paused node " +
        "cannot answer its clients, so no program could meet it.",
    );
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
