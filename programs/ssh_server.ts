#!/usr/bin/env -S deno run -A
/**
 * @title 使用socket实现简单的SSH工具 — A tiny SSH: the server
 * @seed 000_84409504fdc3648b.txt, "使用socket实现简单的SSH工具", socket服务端代码 and 方式1/方式2
 * @run deno run --allow-net=127.0.0.1 --allow-run=sh ssh_server.ts [--host 127.0.0.1] [--port 9999]
 *
 * Runs each command a client sends (`sh -c`, as `os.popen` does) and sends back the size of
 * its output in bytes (UTF-8), as decimal text, then the output itself (`cmd has no output...`
 * when there is none). The size first, so the client knows how much to read.
 *
 * Sending the size and then the output back to back lets them arrive glued (粘包), and the
 * client then reads part of the output as the size. The seed shows two fixes, both here:
 * - 方式2 (default): the client acknowledges the size (`准备好接受了，loser可以发了`) and only
 *   then is the output sent; the two can never meet.
 * - 方式1, "太low了" (`--sleep-fix`): a 0.5 s pause between the two sends. It usually works and
 *   is the lesson's counter-example: timing is not a protocol. The client needs `--sleep-fix`
 *   too (it then sends no ack).
 *
 * Running whatever arrives is remote code execution, so: it listens on 127.0.0.1 by default
 * (the seed's localhost); to listen elsewhere `--token SECRET` is required, and a client must
 * send that secret first. Each command may run `--timeout` seconds (default 10) and return
 * `--max-output` bytes (default 1 MiB); past either, the client gets a one-line notice. Output
 * is stdout only, as with `os.popen`. It needs `--allow-run=sh` (or `cmd` on Windows).
 *
 * Bad input: a command longer than 1023 bytes (one `recv(1024)`, which might hold only part
 * of it) or not valid UTF-8 is not run; the client gets one line, `command refused: …`, in
 * place of the size, the server logs it, and the connection ends. An unknown command or a
 * blank one runs as the shell has it (`cmd has no output...`: stderr is not returned). A
 * client that leaves in the middle of an answer is a departure (`客户端已经断开`).
 * `--idle-timeout SECONDS` (default 300, 0 = never) lets go of a client whose read or write
 * has waited that long (one line on stderr); Ctrl-C or SIGTERM, even while a command runs,
 * kills the commands still running, closes the listener and ends with status 0.
 *
 * Same bytes as the Python original. Python prints `执行指令： b'ls'` and the ack as bytes; this
 * prints the text. `before send N` counts characters, as Python's `len(str)` does; the size
 * sent counts bytes. A client that disconnects ends only its own conversation. It announces
 * `listening on tcp://HOST:PORT` on stderr and stops cleanly on Ctrl-C.
 *
 * @module
 */

import { parseArgs } from "node:util";

const NAME = "ssh_server.ts";
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 9999;
const DEFAULT_IDLE_SECONDS = 300;
const NO_OUTPUT = "cmd has no output...";
const LOOPBACK = ["127.0.0.1", "localhost", "::1"];
const MAX_COMMAND = 1023;

const USAGE = `Usage: ${NAME} [--host HOST] [--port PORT] [--token SECRET] [--sleep-fix]
                    [--timeout SECONDS] [--max-output BYTES]

Runs the commands clients send and returns their output, size first.

Options:
  --host HOST          address to listen on (default ${DEFAULT_HOST}; others need --token)
  --port PORT          port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --token SECRET       a secret every client must send first (required off loopback)
  --sleep-fix          pause 0.5 s between size and output instead of waiting for an ack
  --timeout SECONDS    the longest a command may run (default 10)
  --max-output BYTES   the most output returned per command (default 1048576)
  --idle-timeout SECONDS
                       close a connection whose read or write has waited this long,
                       0 = never (default ${DEFAULT_IDLE_SECONDS})
  --help               show this help`;

const encoder = new TextEncoder();

// --- small helpers (same name and shape in every script) ---

/** Prints a one-line usage error and exits with status 2. */
function usageError(message: string): never {
  console.error(`${NAME}: ${message} (see --help)`);
  Deno.exit(2);
}

/** Parses a port number from 0 to 65535, or exits with a usage error. */
function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    usageError(`--port takes a number from 0 to 65535, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Parses `--idle-timeout`: a non-negative number of seconds, or exits with a usage error. */
function parseSeconds(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    usageError(`--idle-timeout takes a number of seconds (0 = never), not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `host:port`, with IPv6 hosts in brackets. */
function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** Python's `sendall`: every byte, since `conn.write` may write only part, like `send`. */
async function writeAll(
  conn: { write(data: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let written = 0;
  while (written < data.length) {
    written += await conn.write(data.subarray(written));
  }
}

/**
 * One `recv(1024)`: the text of one read, or null when the peer has closed. A read that ends
 * inside a UTF-8 character is completed by the next one, so characters never arrive broken.
 */
async function readMessage(conn: Deno.Conn, decoder: TextDecoder): Promise<string | null> {
  const buffer = new Uint8Array(1024);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return null;
    const text = decoder.decode(buffer.subarray(0, n), { stream: true });
    if (text !== "") return text;
  }
}

/**
 * Closes `conn` once one of its reads or writes has waited `seconds` without completing (0 =
 * never), after telling stderr: a client that stalls or goes silent cannot hold its
 * connection forever. The pending read or write then fails, which ends that conversation as a
 * disconnect would; other connections are not affected. One check every quarter of the
 * timeout costs less than a timer per read: a stalled connection goes within 1 to 1.25 times
 * `seconds`. Closing it twice is harmless.
 */
function closeWhenIdle(conn: Deno.Conn, seconds: number, who: string): void {
  if (seconds <= 0) return;
  let pending = 0;
  let since = Date.now();
  let closed = false;
  const check = setInterval(() => {
    if (pending === 0 || Date.now() - since < seconds * 1000) return;
    console.error(`${NAME}: ${who} idle for ${seconds} s: closed`);
    conn.close();
  }, seconds * 250);
  Deno.unrefTimer(check);
  const watch = <T>(io: Promise<T>): Promise<T> => {
    if (pending++ === 0) since = Date.now();
    return io.finally(() => {
      pending--;
      since = Date.now();
    });
  };
  const read = conn.read.bind(conn);
  const write = conn.write.bind(conn);
  const close = conn.close.bind(conn);
  conn.read = (buffer) => watch(read(buffer));
  conn.write = (data) => watch(write(data));
  conn.close = () => {
    if (closed) return;
    closed = true;
    clearInterval(check);
    close();
  };
}

/** Listens on host:port, or fails with a one-line reason. */
function listenOn(hostname: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port });
  } catch (error) {
    throw new Error(`cannot listen on ${hostname}:${port}: ${(error as Error).message}`);
  }
}

/** Runs `stop` on Ctrl-C (and SIGTERM where the platform has it). */
function onShutdown(stop: () => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
}
// --- the lesson ---

/**
 * os.popen(cmd).read(), bounded in time and size; returns the text to send. At the deadline
 * the shell is killed and reading stops; programs the shell started may run on to their end
 * (`exec` in the command avoids that: the shell becomes the program).
 */
async function runCommand(command: string, seconds: number, maxOutput: number): Promise<string> {
  const shell = Deno.build.os === "windows" ? ["cmd", "/c", command] : ["sh", "-c", command];
  const child = new Deno.Command(shell[0], {
    args: shell.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  running.add(child);
  child.status.finally(() => running.delete(child));
  const stop = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* it has exited already */ }
  };
  const reader = child.stdout.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"late">((
    resolve,
  ) => (timer = setTimeout(() => resolve("late"), seconds * 1000)));
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ending = "";
  while (true) {
    const next = await Promise.race([reader.read(), deadline]);
    if (next === "late") {
      ending = `(command stopped after ${seconds} s)\n`;
      break;
    }
    if (next.done) break;
    if (size + next.value.length > maxOutput) {
      chunks.push(next.value.subarray(0, maxOutput - size));
      ending = `\n(output cut at ${maxOutput} bytes)\n`;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  clearTimeout(timer);
  if (ending) {
    stop();
    await reader.cancel().catch(() => {});
  }
  await child.status;
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  chunks.reduce((at, chunk) => (all.set(chunk, at), at + chunk.length), 0);
  return new TextDecoder().decode(all) + ending;
}

/** The shells running now, killed when the server is stopped. */
const running = new Set<Deno.ChildProcess>();

/** Tells the client, in one line, why its command is not run, and ends the conversation. */
async function refuse(conn: Deno.TcpConn, reason: string): Promise<void> {
  await writeAll(conn, encoder.encode(`command refused: ${reason}`)).catch(() => {});
  console.log(`${formatAddress(conn.remoteAddr)}: command refused: ${reason}`);
}

/** One client: commands until it leaves. */
async function serveClient(conn: Deno.TcpConn, options: {
  token?: string;
  sleepFix: boolean;
  seconds: number;
  maxOutput: number;
}): Promise<void> {
  console.log("new conn:", formatAddress(conn.remoteAddr));
  // Fatal: a command that is not UTF-8 is refused, not run with U+FFFD in place of its bytes.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    if (options.token !== undefined) {
      const offered = await readMessage(conn, decoder);
      if (offered !== options.token) {
        await writeAll(conn, encoder.encode("token refused")).catch(() => {});
        console.log(`${formatAddress(conn.remoteAddr)}: wrong token`);
        return;
      }
      await writeAll(conn, encoder.encode("token ok"));
    }
    while (true) {
      console.log("等待指令");
      const data = await readMessage(conn, decoder);
      if (data === null) {
        console.log("客户端已经断开");
        break;
      }
      // One read is one command, as the seed's recv(1024): a full buffer may hold only part
      // of it, and the rest would run as a command of its own. The rest would also be taken
      // for the ack, so the conversation cannot go on.
      if (encoder.encode(data).length > MAX_COMMAND) {
        return await refuse(conn, `longer than ${MAX_COMMAND} bytes`);
      }
      console.log("执行指令：", data);
      let result = await runCommand(data, options.seconds, options.maxOutput);
      console.log("before send", [...result].length);
      if (result.length === 0) result = NO_OUTPUT;
      const bytes = encoder.encode(result);
      // The size in bytes, not characters: that is what the client will count.
      await writeAll(conn, encoder.encode(String(bytes.length)));
      if (options.sleepFix) {
        // 方式1: hope the pause keeps the two sends apart.
        await new Promise((resolve) => setTimeout(resolve, 500));
      } else {
        // 方式2: wait for the client's ack, so size and output cannot meet.
        const ack = await readMessage(conn, decoder);
        if (ack === null) {
          console.log("客户端已经断开");
          break;
        }
        console.log("ack from client:", ack);
      }
      await writeAll(conn, bytes);
      console.log("send done");
    }
  } catch (error) {
    if (error instanceof TypeError) {
      await refuse(conn, "not valid UTF-8");
    } else if (
      error instanceof Deno.errors.Interrupted || error instanceof Deno.errors.BadResource
    ) {
      // The idle timer closed the connection (and said so on stderr).
      console.log(`${formatAddress(conn.remoteAddr)}: idle, let go`);
    } else if (
      error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe
    ) {
      // Gone in the middle of an answer.
      console.log("客户端已经断开");
    } else {
      console.log(`${formatAddress(conn.remoteAddr)}: ${(error as Error).message}`);
    }
  } finally {
    conn.close();
  }
}

async function main(args: string[]): Promise<void> {
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: "string", default: DEFAULT_HOST },
        port: { type: "string", default: String(DEFAULT_PORT) },
        token: { type: "string" },
        "sleep-fix": { type: "boolean", default: false },
        timeout: { type: "string", default: "10" },
        "max-output": { type: "string", default: String(1 << 20) },
        "idle-timeout": { type: "string", default: String(DEFAULT_IDLE_SECONDS) },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    usageError((error as Error).message);
  }
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const port = parsePort(flags.port);
  const idleSeconds = parseSeconds(flags["idle-timeout"]);
  const seconds = Number(flags.timeout);
  const maxOutput = Number(flags["max-output"]);
  if (!(seconds > 0)) usageError("--timeout takes a number of seconds");
  if (!Number.isInteger(maxOutput) || maxOutput < 1) {
    usageError("--max-output takes a number of bytes");
  }
  if (!LOOPBACK.includes(flags.host) && flags.token === undefined) {
    usageError(
      `listening on ${flags.host} runs commands for anyone who can reach it: give --token`,
    );
  }
  const listener = listenOn(flags.host, port);
  onShutdown(() => {
    listener.close();
    // Commands still running are stopped: nothing outlives the server.
    for (const child of running) {
      try {
        child.kill("SIGKILL");
      } catch { /* it has exited already */ }
    }
    Deno.exit(0);
  });
  // Announced only now: a signal from here on stops the server cleanly.
  console.error(`listening on tcp://${formatAddress(listener.addr)}`);
  const options = { token: flags.token, sleepFix: flags["sleep-fix"], seconds, maxOutput };
  for await (const conn of listener) {
    closeWhenIdle(conn, idleSeconds, formatAddress(conn.remoteAddr));
    serveClient(conn, options);
  }
}

if (import.meta.main) {
  main(Deno.args).then(() => Deno.exit(0), (error) => {
    console.error(`${NAME}: ${(error as Error).message}`);
    Deno.exit(1);
  });
}
