// A node exercising every path of the runtime, driven as a subprocess by node_test.ts.
import { z } from "zod";
import { Node, RpcError } from "../mod.ts";

type Msg =
  | { type: "echo"; echo: unknown }
  | { type: "boom" }
  | { type: "refuse" }
  | { type: "ask"; dest: string; timeout_ms: number }
  | { type: "typed"; n: number };

const node = new Node<Msg>();
node.on("echo", (msg) => ({ type: "echo_ok", echo: msg.body.echo }));
node.on("boom", () => {
  throw new Error("boom went the handler");
});
node.on("refuse", () => {
  throw new RpcError(22, 'Value "x" is not "y"');
});
node.on("ask", async (msg) => {
  const reply = await node.rpc(msg.body.dest, { type: "ping" }, {
    timeoutMs: msg.body.timeout_ms,
  });
  return { type: "ask_ok", got: reply };
});
node.on(
  "typed",
  (msg) => ({ type: "typed_ok", n: msg.body.n + 1 }),
  z.looseObject({
    n: z.number(),
  }),
);
await node.run();
