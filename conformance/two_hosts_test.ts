/**
 * Two hosts on one machine: two network namespaces joined by a veth pair, with addresses that
 * exist only inside them (10.213.0.1 and 10.213.0.2). A chat server bound to `0.0.0.0` on host
 * A serves a client on host B; bound to `127.0.0.1` (the seed's note on `localhost` vs
 * `0.0.0.0`), it serves only its own host. Needs root and `ip` (iproute2); otherwise the tests
 * are reported as ignored, with the reason printed. The namespaces are removed even on failure.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ChildScope } from "./harness/children.ts";
import { ExpectSession } from "./harness/expect.ts";
import { awaitReadiness } from "./harness/readiness.ts";

const PROGRAMS = new URL("../programs/", import.meta.url).pathname;
const HOST_A = "10.213.0.1";
const HOST_B = "10.213.0.2";
const PROMPT = "请输入要发送的内容>>>：";
const STEP_MS = 10_000;

/** Runs `ip ARGS`; throws with its stderr if it fails. */
async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stdout: "null", stderr: "piped" }).output()
    .catch((error) => ({ success: false, stderr: new TextEncoder().encode(String(error)) }));
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Why the two-host tests cannot run here, or null if they can (a namespace can be made). */
async function unavailable(): Promise<string | null> {
  if (Deno.uid() !== 0) return "not root";
  const probe = `sl-probe-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await ip("netns", "add", probe);
    await ip("netns", "delete", probe);
    return null;
  } catch (error) {
    return (error as Error).message.trim();
  }
}

const reason = await unavailable();
if (reason) console.error(`two-host tests ignored: ${reason}`);

/** Makes hosts A and B, runs `body` with their namespace names, removes them whatever happens. */
async function withTwoHosts(body: (a: string, b: string) => Promise<void>): Promise<void> {
  const id = crypto.randomUUID().slice(0, 8);
  const [a, b] = [`sl-a-${id}`, `sl-b-${id}`];
  try {
    await ip("netns", "add", a);
    await ip("netns", "add", b);
    await ip("link", "add", `va-${id}`, "type", "veth", "peer", "name", `vb-${id}`);
    await ip("link", "set", `va-${id}`, "netns", a);
    await ip("link", "set", `vb-${id}`, "netns", b);
    await ip("-n", a, "addr", "add", `${HOST_A}/24`, "dev", `va-${id}`);
    await ip("-n", b, "addr", "add", `${HOST_B}/24`, "dev", `vb-${id}`);
    for (const [ns, dev] of [[a, `va-${id}`], [b, `vb-${id}`]]) {
      await ip("-n", ns, "link", "set", "lo", "up");
      await ip("-n", ns, "link", "set", dev, "up");
    }
    await body(a, b);
  } finally {
    // Deleting a namespace deletes its end of the veth pair, and with it the other end.
    await ip("netns", "delete", a).catch(() => {});
    await ip("netns", "delete", b).catch(() => {});
  }
}

/** Starts a program inside namespace `ns`. */
function spawnIn(scope: ChildScope, ns: string, label: string, program: string, args: string[]) {
  return scope.spawn(label, {
    cmd: "ip",
    args: [
      "netns",
      "exec",
      ns,
      Deno.execPath(),
      "run",
      "-A",
      "--no-config",
      `${PROGRAMS}${program}`,
      ...args,
    ],
  });
}

/** Chats `我` then `q` with the server at host:port from namespace `ns`; returns the client. */
async function chatFrom(scope: ChildScope, ns: string, host: string, port: number) {
  const client = spawnIn(scope, ns, "client", "chat_client.ts", [
    "--host",
    host,
    "--port",
    String(port),
  ]);
  const session = new ExpectSession(client);
  await session.run([{ wait: PROMPT, type: "我" }, { wait: PROMPT, type: "q" }], STEP_MS);
  const status = await client.waitExit(STEP_MS);
  return { status, transcript: session.transcript };
}

/**
 * With hosts A and B made, starts chat_server.ts on host A bound to `bind`, runs `body` with
 * the namespaces and the server's port, and stops every process and removes the hosts after.
 */
async function withChatServerOnA(
  bind: string,
  body: (scope: ChildScope, a: string, b: string, port: number) => Promise<void>,
): Promise<void> {
  await withTwoHosts(async (a, b) => {
    const scope = new ChildScope(`two-hosts-${crypto.randomUUID()}`);
    try {
      const server = spawnIn(scope, a, "server", "chat_server.ts", ["--host", bind, "--port", "0"]);
      const [listening] = await awaitReadiness(server, 1, STEP_MS);
      assert.equal(listening.hostname, bind);
      await body(scope, a, b, listening.port);
    } finally {
      await scope.killAll();
    }
  });
}

Deno.test({
  name: "two hosts: a server bound to 0.0.0.0 on host A serves a client on host B",
  ignore: reason !== null,
  async fn() {
    await withChatServerOnA("0.0.0.0", async (scope, _a, b, port) => {
      const { status, transcript } = await chatFrom(scope, b, HOST_A, port);
      assert.equal(status.code, 0, transcript);
      assert.match(transcript, /^欢迎致电babyshen\n.*我\n我好\n/);
    });
  },
});

Deno.test({
  name: "two hosts: a server bound to 127.0.0.1 on host A is unreachable from host B",
  ignore: reason !== null,
  async fn() {
    await withChatServerOnA("127.0.0.1", async (scope, a, b, port) => {
      // From host B: nothing listens on A's address, so the connection is refused, in one line.
      const client = spawnIn(scope, b, "client", "chat_client.ts", [
        "--host",
        HOST_A,
        "--port",
        String(port),
      ]);
      const status = await client.waitExit(STEP_MS);
      assert.equal(status.code, 1);
      assert.match(client.stderr.text, /^chat_client\.ts: .*refused.*\n$/i);
      // From host A itself the same server answers: it is alive, only bound to loopback.
      const local = await chatFrom(scope, a, "127.0.0.1", port);
      assert.equal(local.status.code, 0, local.transcript);
      assert.match(local.transcript, /我好/);
    });
  },
});
