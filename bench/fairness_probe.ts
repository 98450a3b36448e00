/**
 * A probe of how evenly a Deno server serves 1,000 connections, for docs/LOAD.md: the chat
 * bot's answer (message + `好`, after the greeting `欢迎致电babyshen`) with nothing allocated
 * per message, or, with `--allocate`, the same plus one small `Uint8Array` per message that
 * is never used. `deno run -A --unstable-net bench/fairness_probe.ts [--allocate] [--workers N]
 * [PORT]` (0, the default, for any free port) announces `listening on tcp://127.0.0.1:PORT` on
 * stderr like the lesson servers. Not a lesson: it answers every read as one message and does
 * not handle `q`.
 *
 * `--workers N` (default 1) serves from N event loops: this one and N − 1 Workers, each with a
 * listener of its own on the same port (`reusePort`, Linux; the kernel spreads the connections
 * over them). Each Worker has its own tokio runtime and so its own cooperative budget, which is
 * what docs/LOAD.md measures with it.
 *
 * @module
 */

/** What a Worker of this probe is told: where to listen, and whether to allocate. */
interface WorkerOrders {
  port: number;
  allocate: boolean;
}

const WORKER_NAME = "fairness-probe-worker";
const encoder = new TextEncoder();
const WELCOME = encoder.encode("欢迎致电babyshen");
const SUFFIX = encoder.encode("好");
/** Where the unused allocations go, so the compiler cannot drop them. */
let sink: Uint8Array | undefined;

async function serve(conn: Deno.Conn, allocate: boolean): Promise<void> {
  // One read buffer and one reply buffer per connection, reused for every message.
  const received = new Uint8Array(1024);
  const reply = new Uint8Array(1024 + SUFFIX.length);
  try {
    await conn.write(WELCOME);
    for (let n = await conn.read(received); n !== null; n = await conn.read(received)) {
      if (allocate) sink = new Uint8Array(16);
      reply.set(received.subarray(0, n));
      reply.set(SUFFIX, n);
      const end = n + SUFFIX.length;
      for (let w = 0; w < end;) w += await conn.write(reply.subarray(w, end));
    }
  } catch {
    // Reset by the generator at the end of its run.
  }
  conn.close();
}

/** Serves every connection `listener` accepts, each in a task of its own. */
async function serveAll(listener: Deno.Listener, allocate: boolean): Promise<void> {
  for await (const conn of listener) serve(conn, allocate);
}

/** Listens on 127.0.0.1:`port`, sharing the port with the other loops when there are several. */
function listen(port: number, shared: boolean): Deno.Listener {
  if (!shared) return Deno.listen({ hostname: "127.0.0.1", port });
  return Deno.listen({ hostname: "127.0.0.1", port, reusePort: true });
}

/** Starts one Worker of this same file on `orders`; resolves once it listens. */
function startWorker(orders: WorkerOrders): Promise<void> {
  const worker = new Worker(import.meta.url, { type: "module", name: WORKER_NAME });
  const listening = new Promise<void>((resolve) => {
    worker.onmessage = () => resolve();
  });
  worker.postMessage(orders);
  return listening;
}

/** In a Worker: wait for the orders, listen on the shared port, say so, serve. */
function runAsWorker(): void {
  const scope = self as unknown as {
    onmessage: ((event: MessageEvent<WorkerOrders>) => void) | null;
    postMessage(message: string): void;
  };
  scope.onmessage = (event) => {
    const listener = listen(event.data.port, true);
    scope.postMessage("listening");
    serveAll(listener, event.data.allocate);
  };
}

async function main(): Promise<void> {
  const allocate = Deno.args.includes("--allocate");
  const at = Deno.args.indexOf("--workers");
  const workers = at >= 0 ? Number(Deno.args[at + 1]) : 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error("--workers takes a count from 1");
  const rest = Deno.args.filter((arg, i) => !arg.startsWith("--") && (at < 0 || i !== at + 1));
  // This loop listens first, so a port of 0 becomes the real one the Workers share.
  const listener = listen(Number(rest[0] ?? 0), workers > 1);
  const port = (listener.addr as Deno.NetAddr).port;
  const started: Promise<void>[] = [];
  for (let i = 1; i < workers; i++) started.push(startWorker({ port, allocate }));
  await Promise.all(started);
  console.error(`listening on tcp://127.0.0.1:${port}`);
  await serveAll(listener, allocate);
}

if (self.name === WORKER_NAME) {
  runAsWorker();
} else {
  main();
}
void sink;
