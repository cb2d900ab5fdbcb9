/**
 * The node runtime every challenge is built on: it reads Maelstrom's line-delimited JSON, answers
 * `init`, dispatches requests to handlers, matches RPC replies, and keeps timers and randomness
 * behind an injectable clock so the same node can run in virtual time.
 *
 * The surface mirrors Maelstrom's Go library: {@linkcode Node.on}, {@linkcode Node.reply},
 * {@linkcode Node.send}, {@linkcode Node.rpc} and {@linkcode Node.run}. Message shapes are declared
 * once, as zod schemas: `node.on(schema, handler)` infers the handler's body type from the schema
 * and hands it the parsed body.
 *
 * @module
 */
import { z } from "zod";
import type { Logger } from "@logtape/logtape";
import { type Clock, realClock, type TimerHandle } from "./clock.ts";
import { ErrorCode, RpcError } from "./errors.ts";
import { configureLogging, logger } from "./log.ts";
import { StdioTransport, type Transport } from "./transport.ts";

/** Fields Maelstrom adds to every body. */
export interface BodyMeta {
  msg_id?: number;
  in_reply_to?: number;
}

/** Any message body: a `type` and whatever else. */
export type AnyBody = { type: string; [key: string]: unknown };

/** A message as it travels on the wire.
 *
 * @example
 * ```ts
 * import type { Message } from "./node.ts";
 * const msg: Message<{ type: "echo"; echo: string }> = {
 *   src: "c1",
 *   dest: "n0",
 *   body: { type: "echo", echo: "hi", msg_id: 1 },
 * };
 * ```
 */
export interface Message<B extends { type: string } = AnyBody> {
  id?: number;
  src: string;
  dest: string;
  body: B & BodyMeta;
}

/** A request handler. Return a body to reply with it, or nothing when the handler replies itself
 * (or sends no reply, as for gossip). Throw {@linkcode RpcError} to reply with an error. */
export type Handler<B extends { type: string }> = (
  msg: Message<B>,
) => AnyBody | void | Promise<AnyBody | void>;

/** The zod schema of one kind of request body: an object whose `type` is one string literal.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { BodySchema } from "./node.ts";
 * const Add = z.object({ type: z.literal("add"), delta: z.number().int().nonnegative() });
 * const schema: BodySchema = Add;
 * ```
 */
export type BodySchema = z.ZodObject<{ type: z.ZodLiteral<string> }, z.core.$ZodObjectConfig>;

/** Options for {@linkcode Node}: leave them out to use stdin/stdout, real time and
 * `Math.random`. */
export interface NodeOptions {
  transport?: Transport;
  clock?: Clock;
  /** A source of floats in [0, 1): {@linkcode Node.random}, and the node's first `msg_id`. */
  random?: () => number;
}

/** Options of one {@linkcode Node.rpc}. */
export interface RpcOptions {
  /** How long to wait for the reply before rejecting with code 0 (timeout). Default 1000 ms. */
  timeoutMs?: number;
}

/** The default RPC timeout: long enough for a round trip at Maelstrom's usual latencies, short
 * enough that a retry loop notices a partition quickly. */
export const DEFAULT_RPC_TIMEOUT_MS = 1000;

const envelopeSchema = z.object({
  id: z.number().int().optional(),
  src: z.string(),
  dest: z.string(),
  body: z.looseObject({
    type: z.string(),
    msg_id: z.number().int().optional(),
    in_reply_to: z.number().int().optional(),
  }),
});

/** The least of an envelope that can still be answered: who sent it, and its `msg_id`. */
const brokenEnvelopeSchema = z.object({
  src: z.string().min(1),
  dest: z.string().optional().catch(undefined),
  body: z.looseObject({ msg_id: z.number().int() }),
});

/** The body of `init`, the first message of every node's life, which the runtime answers itself.
 * Register a handler for it to set the node up before `init_ok` goes out: the handler runs once
 * the node knows its id, and `init_ok` waits until it has finished (Maelstrom starts its clients
 * only when every node has answered `init`).
 *
 * @example
 * ```ts
 * import { Init, Node } from "./node.ts";
 * import { MemoryTransport } from "./transport.ts";
 * const node = new Node({ transport: new MemoryTransport() });
 * node.on(Init, (msg) => {
 *   msg.body.node_ids; // every node's id, ours included
 * });
 * ```
 */
export const Init = z.looseObject({
  type: z.literal("init"),
  node_id: z.string(),
  node_ids: z.array(z.string()),
});

interface Pending {
  resolve: (body: AnyBody & BodyMeta) => void;
  reject: (err: RpcError) => void;
  timer: TimerHandle;
}

interface HandlerEntry {
  handler: Handler<AnyBody>;
  schema: BodySchema;
}

/** Each life of a node draws its first `msg_id` from [1, 2^40]: ids stay safe integers for any
 * run, and at most 13 digits long, short enough that the harness's exact-number parser keeps its
 * fast path (it looks closer at integers of 16 digits or more, which a double may round). */
const MSG_ID_SPAN = 2 ** 40;

/** The longest piece of an offending input line quoted in a log record. */
const QUOTE_LIMIT = 300;

declare global {
  interface BigInt {
    /** Writes the integer's digits as a JSON number (installed by `lib/node.ts`). */
    toJSON(): unknown;
  }
}

/** Lets bodies carry `bigint`s, such as 64-bit snowflake ids, written as exact JSON integers.
 * Without it `JSON.stringify` throws on a `bigint`. The harness installs the same method when it
 * hosts nodes in-process, so a node behaves alike as a process and in the simulator. It only adds
 * a method the runtime leaves undefined, and never replaces one installed before. */
function installBigIntJson(): void {
  const proto = BigInt.prototype as { toJSON?: () => unknown };
  if (proto.toJSON !== undefined) return;
  const raw = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
  Object.defineProperty(BigInt.prototype, "toJSON", {
    value: function (this: bigint): unknown {
      return raw(this.toString());
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

installBigIntJson();

/** A Maelstrom node. Each request type is declared once as a zod schema and registered with
 * {@linkcode Node.on}, which types the handler from it.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Node } from "./node.ts";
 * import { MemoryTransport } from "./transport.ts";
 *
 * const Echo = z.object({ type: z.literal("echo"), echo: z.unknown() });
 * const transport = new MemoryTransport();
 * const node = new Node({ transport });
 * node.on(Echo, (msg) => ({ type: "echo_ok", echo: msg.body.echo }));
 * const done = node.run();
 * transport.deliver(JSON.stringify({
 *   src: "c0", dest: "n0", body: { type: "init", msg_id: 1, node_id: "n0", node_ids: ["n0"] },
 * }));
 * transport.deliver(JSON.stringify({
 *   src: "c1", dest: "n0", body: { type: "echo", msg_id: 1, echo: "hi" },
 * }));
 * transport.end();
 * await done;
 * transport.output.length; // 2: init_ok and echo_ok
 * ```
 */
export class Node {
  #id = "";
  #nodeIds: string[] = [];
  #transport: Transport;
  #clock: Clock;
  #random: () => number;
  #handlers = new Map<string, HandlerEntry>();
  #pending = new Map<number, Pending>();
  /** The next outgoing `msg_id`. Maelstrom asks only that "message IDs should be unique on the
   * node which sent them" (doc/protocol.md in jepsen-io/maelstrom), and a process that counted
   * from 1 would meet that in one life; but a restarted node is a new process under the same id,
   * and a peer's late reply to the old process (`in_reply_to: 2`, say) would then match the new
   * one's own message 2, and answer the wrong request (issue #16). So each process starts its
   * count at a random point drawn from its own random source: two lives collide only if one's
   * messages reach the other's start, a chance of about (messages sent) / 2^40. The simulator
   * forks a new random stream for each life of a node (harness/nodes/sim.ts), so its lives differ
   * there too, and deterministically. */
  #nextMsgId: number;
  #timers = new Set<TimerHandle>();
  #tasks: { intervalMs: number; fn: () => unknown; cancelled: boolean }[] = [];
  #initialized = false;
  #closed = false;
  #log: Logger = logger(["node"]);

  constructor(options: NodeOptions = {}) {
    this.#transport = options.transport ?? new StdioTransport();
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#nextMsgId = 1 + Math.floor(this.#random() * MSG_ID_SPAN);
  }

  /** This node's id, such as `"n0"` (empty until `init`). */
  get id(): string {
    return this.#id;
  }

  /** Every node id in the cluster, this one included, in Maelstrom's order. */
  get nodeIds(): readonly string[] {
    return this.#nodeIds;
  }

  /** Every node id but this one. */
  get peers(): string[] {
    return this.#nodeIds.filter((n) => n !== this.#id);
  }

  /** The node's logger (stderr; records carry the node id). */
  get log(): Logger {
    return this.#log;
  }

  /** Registers the handler for requests of one type, declared by its zod schema: an object whose
   * `type` is a string literal. The handler's `msg.body` is typed as the schema's output, and it
   * receives the *parsed* body (with defaults and transforms applied, unknown keys as the schema
   * says) plus the envelope's `msg_id` and `in_reply_to`. A body that fails the schema never
   * reaches the handler: it is answered with error 12 (malformed-request) naming the field. A
   * handler for `init` runs after the node learned its id and before `init_ok` goes out.
   *
   * Throws a `TypeError` when the schema's `type` is not one string literal.
   *
   * @example
   * ```ts
   * import { z } from "zod";
   * import { Node } from "./node.ts";
   * import { MemoryTransport } from "./transport.ts";
   * const Generate = z.object({ type: z.literal("generate") });
   * const node = new Node({ transport: new MemoryTransport() });
   * let next = 0;
   * node.on(Generate, () => ({ type: "generate_ok", id: `${node.id}-${next++}` }));
   * ```
   */
  on<S extends BodySchema>(schema: S, handler: Handler<z.output<S>>): this {
    // The handler is typed for the schema's output; dispatch only hands it bodies of that type,
    // parsed by that schema.
    this.#handlers.set(literalType(schema), { handler: handler as Handler<AnyBody>, schema });
    return this;
  }

  /** Sends a message that expects no reply. Bodies may hold `bigint`s (64-bit ids, say): they are
   * written as exact JSON integers. Numbers a node receives are parsed with `JSON.parse`, so
   * integers beyond 2^53 arrive rounded; a node that needs them exact reads them as strings. */
  send(dest: string, body: AnyBody): void {
    this.#write(dest, { ...body, msg_id: this.#nextMsgId++ });
  }

  /** Replies to `request` with `body`, setting `in_reply_to`. Before `init` the reply comes from
   * the id the request was addressed to, since the node has no id of its own yet. */
  reply(request: Message<{ type: string }>, body: AnyBody): void {
    this.#writeFrom(this.#id !== "" ? this.#id : request.dest, request.src, {
      ...body,
      msg_id: this.#nextMsgId++,
      in_reply_to: request.body.msg_id,
    });
  }

  /** Sends a request and resolves with the reply body. Rejects with {@linkcode RpcError} when
   * the reply is an `error` (codes 20 and 22 as their own subclasses), and with code 0 when no
   * reply arrives within `timeoutMs`; a reply that comes later is dropped.
   *
   * @example
   * ```ts ignore
   * const reply = await node.rpc("lin-kv", { type: "read", key: "x" }, { timeoutMs: 500 });
   * ```
   */
  rpc(dest: string, body: AnyBody, options: RpcOptions = {}): Promise<AnyBody & BodyMeta> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    const msgId = this.#nextMsgId++;
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#pending.delete(msgId);
        reject(
          new RpcError(
            ErrorCode.Timeout,
            `RPC "${body.type}" to "${dest}" got no reply within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(msgId, { resolve, reject, timer });
      this.#write(dest, { ...body, msg_id: msgId });
    });
  }

  /** Runs `fn` every `intervalMs` once the node is initialised. Runs never overlap: the next one
   * is scheduled when the previous one (and its promise) has finished. A throw is logged and the
   * task keeps running. Returns a function that stops the task.
   *
   * Throws a `RangeError` at the call when `intervalMs` is not a positive finite number: a zero or
   * negative interval would rerun `fn` without letting time pass, which hangs a virtual clock
   * and starves real time.
   *
   * @example
   * ```ts
   * import { Node } from "./node.ts";
   * import { MemoryTransport } from "./transport.ts";
   * const node = new Node({ transport: new MemoryTransport() });
   * const stop = node.every(100, () => {}); // gossip, flush, ... every 100 ms
   * stop();
   * ```
   */
  every(intervalMs: number, fn: () => unknown): () => void {
    if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(
        `The interval of every() must be a positive number of milliseconds, got "${
          String(intervalMs)
        }"`,
      );
    }
    const task = { intervalMs, fn, cancelled: false };
    this.#tasks.push(task);
    if (this.#initialized) this.#schedule(task);
    return () => (task.cancelled = true);
  }

  /** Resolves after `ms` milliseconds of the node's clock. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  /** A float in [0, 1) from the node's random source. */
  random(): number {
    return this.#random();
  }

  /** Milliseconds on the node's clock. */
  now(): number {
    return this.#clock.now();
  }

  /** Serves until the input ends, then stops timers and flushes the output. */
  async run(): Promise<void> {
    configureLogging();
    await this.#transport.start((line) => this.handle(line));
    this.close();
    await this.#transport.flush();
  }

  /** Stops every timer and background task; pending RPCs are abandoned. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) this.#clock.clearTimeout(t);
    this.#timers.clear();
    for (const p of this.#pending.values()) this.#clock.clearTimeout(p.timer);
    this.#pending.clear();
    for (const task of this.#tasks) task.cancelled = true;
  }

  /** Processes one input line. A line that is not a well-formed message is logged with its text,
   * and the node carries on. */
  handle(line: string): void {
    if (line.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      this.#log.error("Ignoring a line that is not JSON ({reason}): {line}", {
        reason: (err as Error).message,
        line: quote(line),
      });
      return;
    }
    const parsed = envelopeSchema.safeParse(raw);
    if (!parsed.success) {
      const reason = z.prettifyError(parsed.error).replaceAll("\n", " ");
      this.#log.error("Ignoring a message that is not a Maelstrom envelope ({reason}): {line}", {
        reason,
        line: quote(line),
      });
      this.#answerBrokenEnvelope(raw, reason);
      return;
    }
    this.#dispatch(parsed.data as Message);
  }

  /** Answers a broken envelope with error 12 (malformed-request) when it still says who sent it
   * and carries a usable `msg_id`, so the sender learns at once that the request failed rather
   * than waiting for its timeout. Anything less cannot be answered and is only logged. */
  #answerBrokenEnvelope(raw: unknown, reason: string): void {
    const usable = brokenEnvelopeSchema.safeParse(raw);
    if (!usable.success) return;
    const { src, dest, body } = usable.data;
    const from = this.#id !== "" ? this.#id : dest;
    if (from === undefined || from === "") return;
    this.#writeFrom(from, src, {
      ...new RpcError(ErrorCode.MalformedRequest, `Malformed message: ${reason}`).toBody(),
      msg_id: this.#nextMsgId++,
      in_reply_to: body.msg_id,
    });
  }

  #dispatch(msg: Message): void {
    const body = msg.body;
    if (body.in_reply_to !== undefined) {
      const pending = this.#pending.get(body.in_reply_to);
      if (pending) {
        this.#pending.delete(body.in_reply_to);
        this.#clock.clearTimeout(pending.timer);
        if (body.type === "error") pending.reject(RpcError.fromBody(body));
        else pending.resolve(body);
        return;
      }
      // No RPC waits for it. A message of a type we handle is a request that happens to carry
      // `in_reply_to` (a node answering a `send` with a message of its own): serve it. Anything
      // else is a late reply (after its timeout, or to an earlier process of this node, whose
      // ids this one never issues) or an answer to a `send`: say so and drop it.
      if (body.type === "init" || !this.#handlers.has(body.type)) {
        this.#log.warn(
          "Dropping {type} from {src} in reply to msg_id {inReplyTo}: no RPC waits for it " +
            "(it came after its timeout or a restart, or answered a send)",
          { type: body.type, src: msg.src, inReplyTo: body.in_reply_to },
        );
        return;
      }
    }
    if (body.type === "init") {
      this.#init(msg);
      return;
    }
    if (!this.#initialized) {
      // Before init the node has no id, so handlers cannot run and a reply would carry an empty
      // src, which Maelstrom rejects as a malformed line (Maelstrom's Go library writes exactly
      // that, with src left out). A peer that finished its own init first can reach us here, so
      // answer from the id the message was addressed to with error 11 (temporarily-unavailable):
      // it is definite, the request did not happen, and the sender may retry. The same holds
      // while an init hook runs: the node has its id but not yet the state the hook sets up
      // (its handlers would see a half-built node), so a message that arrives then, in the same
      // read as init or during the hook's own RPCs, waits for nothing and is refused alike.
      const why = this.#id === "" ? "has not received init yet" : "has not finished its init yet";
      this.#replyError(
        msg,
        new RpcError(ErrorCode.TemporarilyUnavailable, `Node "${msg.dest}" ${why}; retry later`),
      );
      return;
    }
    const entry = this.#handlers.get(body.type);
    if (!entry) {
      this.#replyError(
        msg,
        new RpcError(ErrorCode.NotSupported, `Message type "${body.type}" is not supported`),
      );
      return;
    }
    const checked = this.#check(entry, msg);
    if (checked) this.#invoke(entry.handler, checked);
  }

  /** Checks a request against its handler's schema. Returns the message to hand the handler, with
   * the parsed body, or nothing when the body failed the schema and was answered with error 12
   * (malformed-request). */
  #check(entry: HandlerEntry, msg: Message): Message | undefined {
    const body = msg.body;
    const checked = entry.schema.safeParse(body);
    if (!checked.success) {
      const reason = z.prettifyError(checked.error).replaceAll("\n", " ");
      this.#log.error("Malformed {type} request from {src}: {reason}", {
        type: body.type,
        src: msg.src,
        reason,
      });
      this.#replyError(
        msg,
        new RpcError(ErrorCode.MalformedRequest, `Malformed "${body.type}" request: ${reason}`),
      );
      return undefined;
    }
    // The schema may strip keys it does not name, such as msg_id; the envelope's own fields are
    // put back so replies and logs still find them.
    const meta: BodyMeta = {};
    if (body.msg_id !== undefined) meta.msg_id = body.msg_id;
    if (body.in_reply_to !== undefined) meta.in_reply_to = body.in_reply_to;
    return { ...msg, body: { ...(checked.data as AnyBody), ...meta } };
  }

  #invoke(handler: Handler<AnyBody>, msg: Message): void {
    let result;
    try {
      result = handler(msg);
    } catch (err) {
      this.#handlerFailed(msg, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (body) => body && this.reply(msg, body),
        (err) => this.#handlerFailed(msg, err),
      );
    } else if (result) {
      this.reply(msg, result);
    }
  }

  #handlerFailed(msg: Message, err: unknown): void {
    if (err instanceof RpcError) {
      this.#replyError(msg, err);
      return;
    }
    this.#log.error("Handler for {type} from {src} crashed: {stack}", {
      type: msg.body.type,
      src: msg.src,
      stack: err instanceof Error ? err.stack : String(err),
    });
    const text = err instanceof Error ? err.message : String(err);
    this.#replyError(
      msg,
      new RpcError(ErrorCode.Crash, `Handler for "${msg.body.type}" crashed: ${text}`),
    );
  }

  #replyError(msg: Message, err: RpcError): void {
    if (msg.body.msg_id === undefined) {
      this.#log.warn(
        "Cannot answer {type} from {src} with error {code} ({text}): it has no msg_id",
        {
          type: msg.body.type,
          src: msg.src,
          code: err.code,
          text: err.message,
        },
      );
      return;
    }
    this.reply(msg, err.toBody());
  }

  #init(msg: Message): void {
    const checked = Init.safeParse(msg.body);
    if (!checked.success) {
      this.#replyError(
        msg,
        new RpcError(
          ErrorCode.MalformedRequest,
          `Malformed "init": ${z.prettifyError(checked.error).replaceAll("\n", " ")}`,
        ),
      );
      return;
    }
    this.#id = checked.data.node_id;
    this.#nodeIds = checked.data.node_ids;
    this.#log = logger(["node"]).with({ node: this.#id });
    const finish = () => {
      this.reply(msg, { type: "init_ok" });
      this.#initialized = true;
      for (const task of this.#tasks) this.#schedule(task);
    };
    const hook = this.#handlers.get("init");
    if (!hook) {
      finish();
      return;
    }
    const request = this.#check(hook, msg);
    if (!request) return;
    // A user init hook runs before init_ok, so the node is fully set up when Maelstrom starts.
    Promise.resolve()
      .then(() => hook.handler(request))
      .then(finish, (err) => this.#handlerFailed(msg, err));
  }

  #schedule(task: { intervalMs: number; fn: () => unknown; cancelled: boolean }): void {
    if (task.cancelled || this.#closed) return;
    const timer = this.#clock.setTimeout(async () => {
      this.#timers.delete(timer);
      if (task.cancelled || this.#closed) return;
      try {
        await task.fn();
      } catch (err) {
        this.#log.error("Background task failed: {stack}", {
          stack: err instanceof Error ? err.stack : String(err),
        });
      }
      this.#schedule(task);
    }, task.intervalMs);
    this.#timers.add(timer);
  }

  #write(dest: string, body: AnyBody & BodyMeta): void {
    this.#writeFrom(this.#id, dest, body);
  }

  /** Writes one message. A message without a src would make Maelstrom reject the line and ignore
   * everything the node writes after it, so one is never written: it is logged and dropped. */
  #writeFrom(src: string, dest: string, body: AnyBody & BodyMeta): void {
    if (this.#closed) return;
    if (src === "") {
      this.#log.error(
        "Not sending {type} to {dest}: the node has no id before init, and Maelstrom rejects " +
          "a message without src",
        { type: body.type, dest },
      );
      return;
    }
    this.#transport.write(JSON.stringify({ src, dest, body }));
  }
}

/** The one `type` literal of a body schema, or a `TypeError` saying what the schema lacks. */
function literalType(schema: BodySchema): string {
  const field: unknown = schema?.shape?.type;
  const values = field instanceof z.ZodLiteral ? [...field.values] : [];
  if (values.length !== 1 || typeof values[0] !== "string") {
    throw new TypeError(
      'A handler\'s schema must be a zod object whose "type" is one string literal, such as ' +
        'z.object({ type: z.literal("echo") })',
    );
  }
  return values[0];
}

function quote(line: string): string {
  return line.length > QUOTE_LIMIT ? line.slice(0, QUOTE_LIMIT) + "…" : line;
}
