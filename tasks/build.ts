/**
 * Compiles every challenge with `deno compile` into a self-contained binary in `bin/`, which a
 * real Maelstrom runs with `--bin bin/<name>`.
 *
 * `deno compile` downloads the Deno runtime (denort) the first time. Offline, that download
 * fails; this task then stops with a message saying so, and how to run the challenges without
 * compiling (the launchers in `launchers/` work everywhere `deno` does).
 *
 * ```sh
 * deno task build            # every challenge
 * deno task build echo       # one
 * ```
 *
 * @module
 */
const root = new URL("..", import.meta.url).pathname;
const files = [...Deno.readDirSync(`${root}challenges`)]
  .filter((e) => e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts"))
  .map((e) => e.name.replace(/\.ts$/, ""))
  .sort();
const wanted = Deno.args.length > 0
  ? files.filter((f) => Deno.args.includes(f) || Deno.args.includes(f.replaceAll("_", "-")))
  : files;
if (wanted.length === 0) {
  console.error(
    `No challenge matches ${JSON.stringify(Deno.args)}; there are: ${files.join(", ")}`,
  );
  Deno.exit(1);
}

Deno.mkdirSync(`${root}bin`, { recursive: true });
for (const file of wanted) {
  const name = file.replaceAll("_", "-");
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      "--quiet",
      "--config",
      `${root}deno.json`,
      "--allow-env=GLOMERS_LOG_LEVEL",
      "--output",
      `${root}bin/${name}`,
      `${root}challenges/${file}.ts`,
    ],
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code === 0) {
    console.log(`bin/${name}`);
    continue;
  }
  if (/Setting up base binary|error sending request|dns error/i.test(stderr)) {
    console.error(
      `deno compile could not download the Deno runtime it embeds in each binary: this machine seems to be offline.

Nothing is lost: every challenge runs without compiling, through its launcher, which starts it
with "deno run" and works from any directory:

  launchers/${name}                                   # the node itself, speaking on stdin/stdout
  deno task maelstrom test -w <workload> --bin launchers/${name} ...
  maelstrom test -w <workload> --bin launchers/${name} ...   # a real Maelstrom takes it too

If you have a denort binary for this Deno version, point DENORT_BIN at it and build again.`,
    );
    Deno.exit(1);
  }
  console.error(`deno compile failed for challenges/${file}.ts:\n${stderr}`);
  Deno.exit(1);
}
