/**
 * # Challenge 1: Echo
 *
 * **Problem.** Maelstrom sends `{"type": "echo", "echo": X}` and expects `{"type": "echo_ok",
 * "echo": X}` back. It is the "hello world" of the series: it shows the shape of every node that
 * follows (https://fly.io/dist-sys/1/).
 *
 * **Key idea.** A node is a loop over stdin: one JSON message per line in, one per line out. The
 * `lib/` runtime owns that loop, answers `init` for us, and turns a handler's return value into a
 * reply that carries `in_reply_to`. All we write is the handler.
 *
 * **Run it.**
 * ```sh
 * deno task test:echo
 * # the fly.io command, against our harness or a real Maelstrom:
 * maelstrom test -w echo --bin launchers/echo --node-count 1 --time-limit 10
 * ```
 *
 * @module
 */
import { z } from "zod";
import { Node, type NodeOptions } from "../lib/mod.ts";

// ## Messages
//
// The one request this node receives, spelled exactly as on the wire. (`init` is handled by the
// runtime.) The schema is the message's only declaration: the runtime checks each request against
// it, and the handler's types come from it. The reply, `echo_ok`, is just the request with a new
// type.
const Echo = z.object({ type: z.literal("echo"), echo: z.unknown() });

/** Builds the echo node. The harness's simulator calls this with its own transport and clock;
 * run as a program, the node talks over stdin and stdout. */
export function createNode(options?: NodeOptions): Node {
  const node = new Node(options);

  // ## Handlers
  //
  // Returning a body replies with it. The runtime adds `msg_id` and `in_reply_to`, so the client
  // can match the answer to its request.
  node.on(Echo, (msg) => ({ type: "echo_ok", echo: msg.body.echo }));

  // ### What a crash does
  //
  // There is no state to lose: an answer depends on its request alone. A kill loses only the
  // requests the dead process had not answered, and every request sent to it until the restart;
  // a pause holds them until the node wakes up with the backlog, by which time their clients
  // have given up (5 s). Either way those requests end as timeouts, and Maelstrom's echo checker
  // counts every timeout as an error, so `--nemesis kill` or `pause` fails the run whenever a
  // request meets a dead or frozen node, with this node or any other. Surviving would cost more
  // than messages: a second process to answer in the first one's place, and Maelstrom sends each
  // client's requests to one node only. Storing anything (in `lin-kv`, say) would not help, as
  // there is nothing to store.

  return node;
}

if (import.meta.main) await createNode().run();

// ## What you should see
//
// The fly.io command line in the simulator (`deno task test:echo` runs it as a real process):
// each operation costs its request and its reply, nothing travels between servers, and `init`
// lifts the average a little above 2. One echo process's throughput is in [BENCHMARKS.md].
//
// ```console
// $ deno task maelstrom test --bin challenges/echo.ts -w echo --node-count 1 --time-limit 10 \
//     --seed 1
//   ✓ stats         <ops> ops: <ops> ok, 0 fail, 0 info
//   ✓ net           msgs-per-op <n> all, 0.00 servers (<n> messages)
//   ✓ nodes         no crashes, no malformed output
// Everything looks good! ヽ(‘ー`)ノ
// ```
//
// [BENCHMARKS.md]: ../BENCHMARKS.md
