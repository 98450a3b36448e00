/**
 * 2.2 UDP代码示例 — every datagram answered 已收到, with a retry when a datagram is lost either
 * way; the seed's Python client and server as foreign peers, the bad-input rows of a UDP server
 * (no connection, so no idle client and no disconnect: a datagram is the message), nc and socat
 * as clients, and IPv6.
 *
 * @module
 */

import type { ConformanceCase, Lesson, ProcessClient } from "../harness/case.ts";
import { NEXT } from "./_bad_input.ts";
import { noSignalHandler, seedPython, utf8 } from "./_helpers.ts";
import { overIpv6 } from "./_ipv6.ts";
import { toolClient, withThirdPartyTools } from "./_third_party.ts";
import { escapedClientCase, escapedServerCase, INJECTED, INJECTED_SHOWN } from "./_escaped.ts";

const UDP_PROMPT = "请输入要发送的内容(Q退出):";

/** 每个数据报: 已收到. */
const main: ConformanceCase = {
  id: "udp",
  title: "每个数据报: 已收到",
  server: { peer: { program: "udp_server.ts" } },
  clients: [{
    peer: { program: "udp_client.ts" },
    dialogue: ["你好", "hello", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
  }],
  bytes: { c2s: 11, s2c: 18 },
  mutations: [{
    program: "udp_server.ts",
    from: `const REPLY = "已收到";`,
    to: `const REPLY = "收到";`,
    shows: "+收到",
  }],
};

// --- Bad input ---

/**
 * A client in a few lines of Deno: sends the datagram from `senders` sockets of their own at
 * once and prints how many got which answer.
 */
function udpSenders(role: string, senders: number, payload: string): ProcessClient {
  const code = `
    const to = { transport: "udp", hostname: "{host}", port: {port} };
    const payload = ${payload};
    const answers = await Promise.all(Array.from({ length: ${senders} }, async () => {
      const socket = Deno.listenDatagram({ transport: "udp", hostname: "{host}", port: 0 });
      // A datagram may be lost (a thousand at once overflow a socket's buffer): send again
      // until the answer comes, as udp_client.ts does, waiting about twice as long each time
      // (up to 2 s), at random within that, so that the retries come spread out rather than in
      // waves of hundreds that overflow the server's buffer again.
      const answer = socket.receive();
      let got;
      let wait = 300;
      while (!got) {
        await socket.send(payload, to);
        const pause = wait * (0.5 + Math.random());
        let timer;
        const late = new Promise((resolve) => {
          timer = setTimeout(resolve, pause);
        });
        got = await Promise.race([answer, late]);
        // A pending timer would hold the process up to 2 s after its last answer.
        clearTimeout(timer);
        wait = Math.min(wait * 2, 2000);
      }
      socket.close();
      return new TextDecoder().decode(got[0]);
    }));
    const counts = {};
    for (const answer of answers) counts[answer] = (counts[answer] ?? 0) + 1;
    console.log(JSON.stringify(counts));`;
  // Plain JavaScript (`--ext=js`): nothing to compile, so Deno leaves no compiled copy behind
  // under the case's temporary folder.
  return { role, peer: { command: ["deno", "eval", "--ext=js", "--unstable-net", code] } };
}

/** A fake UDP server that answers every datagram with {@linkcode INJECTED}. */
const HOSTILE_UDP_SERVER = `
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "{host}", port: 0 });
  console.error("listening on udp://{host}:" + socket.addr.port);
  const answer = new TextEncoder().encode(${JSON.stringify(INJECTED)});
  for await (const [, from] of socket) await socket.send(answer, from);`;

/**
 * A sender from 127.0.0.2, straight to the server (past the relay, which sends from the
 * case's own address): the run line allows the server to answer 127.0.0.1 only.
 */
const FROM_ELSEWHERE = `
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.2", port: 0 });
  await socket.send(new TextEncoder().encode("hi"), {
    transport: "udp",
    hostname: "127.0.0.1",
    port: {serverPort},
  });
  socket.close();`;

/** 2.2 UDP代码示例. */
export const udp: Lesson = {
  id: "udp",
  title: "2.2 UDP代码示例",
  titleEn: "UDP example, with a retry when a datagram is lost",
  seed: { file: "003_5d88270f3bd9af2f.txt", section: "2.2 UDP代码示例" },
  transport: "udp",
  host: "127.0.0.1",
  port: 8001,
  scripts: ["udp_server.ts", "udp_client.ts"],
  cases: [
    main,
    {
      id: "udp-lost-question",
      title:
        "the first datagram is lost on its way: the client sends it again; the server sees it once",
      server: { peer: { program: "udp_server.ts" } },
      clients: [{
        peer: { program: "udp_client.ts", args: ["--timeout", "0.5"] },
        dialogue: ["你好", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
      }],
      drop: { dir: "c2s", nth: 1 },
      bytes: { c2s: 6, s2c: 9 },
      mutations: [{
        program: "udp_client.ts",
        from: "attempt <= retries && reply === null",
        to: "attempt < 1 && reply === null",
        shows: "+(no answer after 4 tries",
      }],
    },
    {
      id: "udp-lost-answer",
      title: "the first answer is lost: the line is sent again and the server sees it twice",
      server: { peer: { program: "udp_server.ts" } },
      clients: [{
        peer: { program: "udp_client.ts", args: ["--timeout", "0.5"] },
        dialogue: ["你好", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
      }],
      drop: { dir: "s2c", nth: 1 },
      bytes: { c2s: 12, s2c: 9 },
      mutations: [{
        program: "udp_client.ts",
        from: "attempt <= retries && reply === null",
        to: "attempt < 1 && reply === null",
        shows: "+(no answer after 4 tries",
      }],
    },
    // --- Foreign peers: the seed's own Python programs ---
    {
      id: "udp-python-client",
      title: "the seed's Python client against udp_server.ts",
      server: { peer: { program: "udp_server.ts" }, golden: "udp.server" },
      clients: [{
        peer: seedPython("udp_client.py"),
        dialogue: ["你好", "hello", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
        golden: "udp.client",
      }],
      bytes: { c2s: 11, s2c: 18 },
      mutations: [{
        program: "udp_server.ts",
        from: `const REPLY = "已收到";`,
        to: `const REPLY = "收到";`,
        shows: "+收到",
      }],
    },
    {
      id: "udp-python-server",
      title: "udp_client.ts against the seed's Python server",
      server: { peer: seedPython("udp_server.py") },
      clients: [{
        peer: { program: "udp_client.ts" },
        dialogue: ["你好", "hello", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
        golden: "udp.client",
      }],
      bytes: { c2s: 11, s2c: 18 },
      mutations: [{
        program: "udp_client.ts",
        from: "decoder.decode(reply)",
        to: "`${decoder.decode(reply)}!`",
        shows: "+已收到!",
      }],
    },
    // --- Bad input (docs/RELIABILITY.md) ---
    {
      id: "udp-invalid-utf8",
      title: "a datagram that is not UTF-8 is printed with U+FFFD and answered 已收到",
      reliability: {
        fault: "invalid UTF-8",
        outcome: "printed with U+FFFD (�) for the bad bytes, answered 已收到",
      },
      server: { peer: { program: "udp_server.ts" } },
      clients: [udpSenders("sender", 1, "new Uint8Array([0xff, 0xfe, 0x41])")],
      mutations: [{
        program: "udp_server.ts",
        from: "const decoder = new TextDecoder();",
        to: `const decoder = new TextDecoder("utf-8", { fatal: true });`,
        shows: "sender",
      }],
    },
    {
      id: "udp-oversize",
      title: "the largest datagram UDP carries (65,507 bytes) is read whole and answered",
      reliability: {
        fault: "oversize message (> 65,507 B: UDP's own limit)",
        outcome: "a 65,507-byte datagram printed and answered 已收到; nothing larger can be sent",
      },
      // 64 KB of a's on one line: the answer is what is compared.
      server: { peer: { program: "udp_server.ts" }, golden: false },
      clients: [udpSenders("sender", 1, `new TextEncoder().encode("a".repeat(65507))`)],
      bytes: { c2s: 65507, s2c: 9 },
      mutations: [{
        program: "udp_server.ts",
        from: `const REPLY = "已收到";`,
        to: `const REPLY = "收到";`,
        shows: "收到",
      }],
    },
    {
      id: "udp-crowd",
      crowd: true,
      title: "datagrams from 1,000 senders at once: each printed and answered",
      reliability: {
        fault: "1,000 concurrent connections",
        outcome: "datagrams from 1,000 senders (UDP has no connections): all 1,000 answered 已收到",
      },
      server: { peer: { program: "udp_server.ts" }, golden: false },
      clients: [udpSenders("senders", 1000, `new TextEncoder().encode("hi")`)],
      mutations: [{
        program: "udp_server.ts",
        from: `const REPLY = "已收到";`,
        to: `const REPLY = "收到";`,
        shows: "收到",
      }],
    },
    // No connection to be in the middle of: the signal comes once a datagram has been answered.
    ...(["SIGINT", "SIGTERM"] as const).map((signal): ConformanceCase => ({
      id: `udp-${signal.toLowerCase()}`,
      title: `${signal} after a datagram is answered: the socket is closed, status 0`,
      reliability: {
        fault: `${signal} between datagrams`,
        outcome: "socket closed, status 0, nothing on stderr",
      },
      server: {
        peer: { program: "udp_server.ts" },
        stopSignal: signal,
        golden: "udp-signal.server",
      },
      clients: [{
        ...udpSenders("sender", 1, `new TextEncoder().encode("hi")`),
        golden: "udp-signal.sender",
      }],
      bytes: { c2s: 2, s2c: 9 },
      mutations: [noSignalHandler("udp_server.ts")],
    })),
    // --- Third-party clients ---
    ...withThirdPartyTools("udp", "a third-party client: 你好 → 已收到", (tool) => ({
      server: { peer: { program: "udp_server.ts" }, golden: false },
      clients: [toolClient(tool, "udp", ["你好", "hello"], ["已收到", "已收到"])],
      bytes: { c2s: utf8("你好hello"), s2c: 2 * utf8("已收到") },
      mutations: [{
        program: "udp_server.ts",
        from: `const REPLY = "已收到";`,
        to: `const REPLY = "收到了";`,
        shows: "收到了",
      }],
    })),
    {
      id: "udp-answer-refused",
      title: "a datagram from an address the run line does not let the server answer: one " +
        "line on stderr, and the next client is answered",
      reliability: {
        fault: "an answer that cannot be sent (the sender's address is not allowed)",
        outcome: `one line "cannot answer …", the datagram printed; ${NEXT}`,
      },
      server: {
        peer: { program: "udp_server.ts" },
        stderr: /^udp_server\.ts: cannot answer 127\.0\.0\.2:\d+: Requires net access/,
      },
      clients: [
        {
          role: "elsewhere",
          peer: { command: ["deno", "eval", "--ext=js", "--unstable-net", FROM_ELSEWHERE] },
          golden: false,
        },
        {
          peer: { program: "udp_client.ts" },
          dialogue: ["你好", "Q"].map((type) => ({ wait: UDP_PROMPT, type })),
          golden: "udp-answer-refused.client",
        },
      ],
      // The sender's own port is not one the harness knows.
      masks: [{ pattern: /127\.0\.0\.2 \d+/g, placeholder: "127.0.0.2 <PORT>" }],
      mutations: [{
        program: "udp_server.ts",
        // The failed answer ends the server, as in the seed.
        from: "await server.send(encoder.encode(REPLY), from);",
        to: "await server.send(encoder.encode(REPLY), from).catch(() => Deno.exit(1));",
        shows: "server exited with 1",
      }],
    },
    escapedServerCase(
      "udp-escaped",
      { peer: { program: "udp_server.ts" } },
      [udpSenders("sender", 1, `new TextEncoder().encode(${JSON.stringify(INJECTED)})`)],
      {
        program: "udp_server.ts",
        from: "console.log(printable(decoder.decode(data)), hostname, port);",
        to: "console.log(decoder.decode(data), hostname, port);",
      },
      `-${INJECTED_SHOWN} 127.0.0.1 <PORT>`,
    ),
    escapedClientCase(
      "udp-client-escaped",
      {},
      { peer: { program: "udp_client.ts" }, dialogue: [{ wait: UDP_PROMPT, type: "你好" }] },
      {
        program: "udp_client.ts",
        from: ": printable(decoder.decode(reply)),",
        to: ": decoder.decode(reply),",
      },
      `-${INJECTED_SHOWN}`,
      {
        // Plain JavaScript: `--ext=js` leaves no compiled copy under the case's temporary folder.
        server: {
          peer: { command: ["deno", "eval", "--ext=js", "--unstable-net", HOSTILE_UDP_SERVER] },
          golden: false,
        },
      },
    ),
    overIpv6(main),
  ],
};
