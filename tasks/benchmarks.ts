/**
 * The one home of measured figures. Each bench task records its figures as a section in
 * `benchmarks/<id>.json` (command, date, machine, tables) and re-renders `BENCHMARKS.md` from
 * every section there, so running one bench replaces its own section and leaves the others as
 * they were. The published figures we compare against, with their sources, live here.
 *
 * ```sh
 * deno task benchmarks    # re-render BENCHMARKS.md from benchmarks/*.json
 * ```
 *
 * @module
 */
import { z } from "zod";

/** The project root (this file lives in `tasks/`). */
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Where the sections are kept. */
export const BENCH_DIR = `${ROOT}/benchmarks`;

/** The generated page. */
export const BENCH_PAGE = `${ROOT}/BENCHMARKS.md`;

const tableSchema = z.object({
  caption: z.string().optional(),
  head: z.array(z.string()).min(1),
  rows: z.array(z.array(z.string())),
});

const machineSchema = z.object({
  cores: z.number().int().positive(),
  /** Total memory in GiB; absent for figures recorded before machines were. */
  memoryGiB: z.number().positive().optional(),
  deno: z.string().optional(),
  os: z.string().optional(),
});

/** What a bench task records: one section of BENCHMARKS.md. */
export const sectionSchema = z.object({
  /** The file name under `benchmarks/`: the family (`broadcast`, `kafka`, ...) and, when the
   * run differs from the default, a suffix (`kafka-naive`, `txn-sim`). */
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string(),
  /** The command that produced the figures, as a reader would type it. */
  command: z.string(),
  /** When: an ISO timestamp, or a month for figures carried over from older notes. */
  date: z.string(),
  machine: machineSchema,
  /** Why these figures may not hold any more (set on figures carried over, not re-measured). */
  stale: z.string().optional(),
  tables: z.array(tableSchema),
  /** Sentences that go with the figures (they quote them, so they go when the figures do). */
  notes: z.array(z.string()).default([]),
});

/** One section of BENCHMARKS.md. */
export type Section = z.infer<typeof sectionSchema>;

/** A table of figures. */
export type Table = z.infer<typeof tableSchema>;

/** The machine a bench runs on.
 *
 * @example
 * ```ts
 * import { machine } from "./benchmarks.ts";
 * machine().cores > 0; // true
 * ```
 */
export function machine(): Section["machine"] {
  return {
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    deno: Deno.version.deno,
    os: `${Deno.build.os} ${Deno.build.arch}`,
  };
}

/** A published figure we compare ours against. */
export interface Published {
  part: string;
  figure: string;
  approach: string;
  source: string;
  url: string;
}

/** A family of benchmarks: one bench task, its explanation, and what others published. */
interface Family {
  id: string;
  title: string;
  task: string;
  /** What the figures mean, in sentences that quote no measured figure. */
  about: string;
  published: Published[];
}

/** The families, in the page's order. */
export const FAMILIES: readonly Family[] = [
  {
    id: "echo",
    title: "Echo through one node process",
    task: "bench:echo",
    about: "Requests per second through one `challenges/echo.ts` process over pipes, with a " +
      "window of requests in flight, and the latency of every 97th request.",
    published: [],
  },
  {
    id: "network",
    title: "The harness's network",
    task: "bench:network",
    about: "How many messages per second the harness routes between real node processes " +
      "(journal, latency and partition checks included), and how long after the command starts " +
      "the first client request goes out.",
    published: [],
  },
  {
    id: "sim",
    title: "The simulator",
    task: "bench:sim",
    about: "Every part's fly.io command line in virtual time, against the time the same test " +
      "takes in real time.",
    published: [],
  },
  {
    id: "checkers",
    title: "The checkers on big histories",
    task: "bench:checkers",
    about: "How long each checker takes, in one process, on the big seeded histories its " +
      "tests hold to their verdicts (`harness/checkers/testing_histories.ts`), and seq-kv on " +
      "its test's load of 5,000 keys; the median of several runs per case. Ops count every " +
      "invocation and completion in the history (for seq-kv, the requests). The tests hold " +
      "verdicts and, where the code exposes one, a count of the work done, never a time, so " +
      "these figures are where a slowdown shows.",
    published: [],
  },
  {
    id: "broadcast",
    title: "Efficient broadcast (3d, 3e)",
    task: "bench:broadcast",
    about: "25 real node processes on the fly.io command line. Servers messages are those " +
      "between nodes; latencies are Maelstrom's stable latencies (how long a value takes to be " +
      "in every read). fly.io's targets: 3d below 30 msgs/op, median below 400 ms, max below " +
      "600 ms; 3e below 20, 1 s and 2 s. The hub's batch interval (`--batch-ms`) trades " +
      "messages for latency: the hub sends one message to each of 24 leaves per interval " +
      "while values keep arriving, and a value waits up to one interval at the hub after its " +
      "two hops.",
    published: [
      {
        part: "3d",
        figure: "14.7 msgs/op, median 195 ms, max 281 ms",
        approach: "star, gossip every 50 ms",
        source: "charlieroth/FlyDistSwift, EfficientBroadcast.swift",
        url: "https://github.com/charlieroth/FlyDistSwift",
      },
      {
        part: "3d",
        figure: "23.38 msgs/op, median 181 ms, max 207 ms",
        approach: "flat tree, acknowledged RPCs",
        source: "teivah/gossip-glomers, README",
        url: "https://github.com/teivah/gossip-glomers",
      },
      {
        part: "3e",
        figure: "1.92 msgs/op, median 764 ms, max 1087 ms",
        approach: "flat tree, batches every 500 ms",
        source: "teivah/gossip-glomers, README",
        url: "https://github.com/teivah/gossip-glomers",
      },
      {
        part: "3e",
        figure: "5.58 msgs/op, median 678 ms, max 899 ms",
        approach: "batching",
        source: "adam-bunce/gossip-glomers, run-efficent-broadcast-2.sh",
        url: "https://github.com/adam-bunce/gossip-glomers",
      },
    ],
  },
  {
    id: "counter",
    title: "Grow-only counter (4)",
    task: "bench:counter",
    about: "3 real node processes on the fly.io command line, partitions included. The " +
      "server messages are the sync rounds' (a write and a read per peer, each a request and a " +
      "reply, every second on every node), so they do not depend on the traffic. fly.io sets " +
      "no efficiency target for this part.",
    published: [
      {
        part: "4",
        figure: "3.18 servers msgs/op (5.18 all)",
        approach: "a key per node in seq-kv, every client read sums all keys",
        source: "tobiajo/gossip-gloomers, results.edn of part 4",
        url: "https://github.com/tobiajo/gossip-gloomers",
      },
    ],
  },
  {
    id: "kafka",
    title: "Kafka-style log (5c)",
    task: "bench:kafka",
    about: "2 nodes, 4 clients, the fly.io command line. Servers messages are node-to-node and " +
      "node-to-lin-kv; all adds the clients' requests and replies. Latency is completion minus " +
      "invocation, from the history. `deno task bench:kafka naive` (or `forward`) measures the " +
      "other designs of `challenges/kafka.ts`; `--sim` runs the simulator.",
    published: [
      {
        part: "5c",
        figure: "6.93 servers msgs/op (9.14 all)",
        approach: "the whole log in one lin-kv key, commits in another",
        source: "o-hill/gossip-glomers, scripts/kafka.sh",
        url: "https://github.com/o-hill/gossip-glomers",
      },
      {
        part: "5c",
        figure: "10.29 servers msgs/op (12.64 all)",
        approach: "lin-kv compare-and-set offsets, offset cache, batched reads",
        source: "Madhav Shekhar, Gossip Glomers part 5c",
        url:
          "https://www.madhavshekhar.com/posts/glomers/2025/05/04-c5-kafka-style-log-v3-multi-node-efficient/index.html",
      },
    ],
  },
  {
    id: "txn",
    title: "Totally-available transactions (6b, 6c)",
    task: "bench:txn",
    about: "2 nodes on the fly.io command lines of 6b and 6c, partitions included. Latency is " +
      "per transaction, completion minus invocation. Peers publish pass or fail only for " +
      "these parts, so there is nothing to compare against.",
    published: [],
  },
];

/** The family of a section id (`kafka-naive` belongs to `kafka`). */
function familyOf(id: string): string {
  return FAMILIES.find((f) => id === f.id || id.startsWith(`${f.id}-`))?.id ?? id;
}

/** A table in Markdown, cells escaped. */
function markdownTable(head: readonly string[], rows: readonly string[][]): string {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  return [
    `| ${head.map(cell).join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${head.map((_, i) => cell(r[i] ?? "")).join(" | ")} |`),
  ].join("\n");
}

/** How a section's machine reads on the page. */
function machineLine(m: Section["machine"]): string {
  return [
    `${m.cores} cores`,
    m.memoryGiB === undefined ? "memory not recorded" : `${m.memoryGiB} GiB`,
    m.deno === undefined ? "Deno version not recorded" : `Deno ${m.deno}`,
    ...(m.os === undefined ? [] : [m.os]),
  ].join(", ");
}

/** Renders BENCHMARKS.md from the sections, grouped by family in the families' order.
 *
 * @example
 * ```ts
 * import { renderBenchmarks } from "./benchmarks.ts";
 * const page = renderBenchmarks([{
 *   id: "counter", title: "4", command: "deno task bench:counter", date: "2026-12-02",
 *   machine: { cores: 2 }, tables: [{ head: ["servers msgs/op"], rows: [["0.26"]] }], notes: [],
 * }]);
 * page.includes("| 0.26 |"); // true
 * ```
 */
export function renderBenchmarks(sections: readonly Section[]): string {
  const out = [
    "# Benchmarks",
    "",
    "Generated by `deno task benchmarks` from `benchmarks/*.json`; each `deno task bench:*` " +
    "rewrites its own section. Do not edit by hand: run the bench, or edit its JSON file and " +
    "re-render.",
    "",
  ];
  const known = new Set(FAMILIES.map((f) => f.id));
  const families = [
    ...FAMILIES,
    ...[...new Set(sections.map((s) => familyOf(s.id)))].filter((id) => !known.has(id)).map(
      (id): Family => ({ id, title: id, task: `bench:${id}`, about: "", published: [] }),
    ),
  ];
  for (const family of families) {
    out.push(`## ${family.title}`, "");
    if (family.about) out.push(family.about, "");
    const mine = sections.filter((s) => familyOf(s.id) === family.id)
      .sort((a, b) => a.id.localeCompare(b.id));
    if (mine.length === 0) {
      out.push(`Not measured yet: run \`deno task ${family.task}\`.`, "");
    }
    for (const s of mine) {
      if (mine.length > 1 || s.title !== family.title) out.push(`### ${s.title}`, "");
      out.push(`- Command: \`${s.command}\``);
      out.push(`- Date: ${s.date}${s.stale ? ` (${s.stale})` : ""}`);
      out.push(`- Machine: ${machineLine(s.machine)}`, "");
      for (const t of s.tables) {
        if (t.caption) out.push(t.caption, "");
        out.push(markdownTable(t.head, t.rows), "");
      }
      for (const note of s.notes) out.push(note, "");
    }
    if (family.published.length > 0) {
      out.push("Published results we compare against:", "");
      out.push(
        markdownTable(
          ["part", "figure", "approach", "source"],
          family.published.map((p) => [p.part, p.figure, p.approach, `[${p.source}](${p.url})`]),
        ),
        "",
      );
    }
  }
  return out.join("\n").replace(/\n+$/, "\n");
}

/** Reads every section under `dir`, checked against the schema; a bad file is an error that
 * names it.
 *
 * @example
 * ```ts ignore
 * import { BENCH_DIR, loadSections } from "./benchmarks.ts";
 * loadSections(BENCH_DIR).map((s) => s.id); // ["broadcast", "counter", ...]
 * ```
 */
export function loadSections(dir: string = BENCH_DIR): Section[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return entries.filter((e) => e.isFile && e.name.endsWith(".json")).map((e) => {
    const path = `${dir}/${e.name}`;
    const parsed = sectionSchema.safeParse(JSON.parse(Deno.readTextFileSync(path)));
    if (!parsed.success) {
      throw new Error(`The benchmark section "${path}" is malformed: ${parsed.error.message}`);
    }
    if (`${parsed.data.id}.json` !== e.name) {
      throw new Error(`The benchmark section "${path}" has id "${parsed.data.id}".`);
    }
    return parsed.data;
  });
}

/** What a bench task records; date and machine default to now and this machine. */
export type NewSection = Omit<Section, "date" | "machine" | "notes"> & {
  date?: string;
  machine?: Section["machine"];
  notes?: string[];
};

/** Records a bench's section (replacing the previous one of that id) and re-renders the page.
 * Returns the page's path.
 *
 * @example
 * ```ts ignore
 * import { recordSection } from "./benchmarks.ts";
 * recordSection({
 *   id: "counter", title: "Grow-only counter (4)", command: "deno task bench:counter",
 *   tables: [{ head: ["servers msgs/op"], rows: [["0.26"]] }],
 * });
 * ```
 */
export function recordSection(
  section: NewSection,
  dir: string = BENCH_DIR,
  page: string = BENCH_PAGE,
): string {
  const full = sectionSchema.parse({
    ...section,
    date: section.date ?? new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    machine: section.machine ?? machine(),
    notes: section.notes ?? [],
  });
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(`${dir}/${full.id}.json`, JSON.stringify(full, null, 2) + "\n");
  Deno.writeTextFileSync(page, renderBenchmarks(loadSections(dir)));
  return page;
}

if (import.meta.main) {
  Deno.writeTextFileSync(BENCH_PAGE, renderBenchmarks(loadSections()));
  console.log(`Wrote ${BENCH_PAGE.slice(ROOT.length + 1)}`);
}
