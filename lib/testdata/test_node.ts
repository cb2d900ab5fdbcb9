// A node exercising every path of the runtime, driven as a subprocess by node_test.ts.
import { z } from "zod";
import { Node, RpcError } from "../mod.ts";

// The messages this node receives, declared once: handlers are typed from these schemas.
const Echo = z.object({ type: z.literal("echo"), echo: z.unknown() });
const Boom = z.object({ type: z.literal("boom") });
const Refuse = z.object({ type: z.literal("refuse") });
const Ask = z.object({ type: z.literal("ask"), dest: z.string(), timeout_ms: z.number() });
const Typed = z.object({ type: z.literal("typed"), n: z.number() });

const node = new Node();
node.on(Echo, (msg) => ({ type: "echo_ok", echo: msg.body.echo }));
node.on(Boom, () => {
  throw new Error("boom went the handler");
});
node.on(Refuse, () => {
  throw new RpcError(22, 'Value "x" is not "y"');
});
node.on(Ask, async (msg) => {
  const reply = await node.rpc(msg.body.dest, { type: "ping" }, {
    timeoutMs: msg.body.timeout_ms,
  });
  return { type: "ask_ok", got: reply };
});
node.on(Typed, (msg) => ({ type: "typed_ok", n: msg.body.n + 1 }));
await node.run();
