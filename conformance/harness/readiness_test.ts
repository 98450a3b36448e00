import assert from "node:assert/strict";
import { ChildScope } from "./children.ts";
import {
  awaitReadiness,
  formatListenAddress,
  parseReadinessLine,
  readinessLines,
} from "./readiness.ts";
import { evalCommand } from "./_test_util.ts";

Deno.test("readiness lines parse for TCP, UDP and IPv6", () => {
  assert.deepEqual(parseReadinessLine("listening on tcp://127.0.0.1:40123"), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 40123,
  });
  assert.deepEqual(parseReadinessLine("listening on udp://[::1]:8001\n"), {
    transport: "udp",
    hostname: "::1",
    port: 8001,
  });
  assert.equal(parseReadinessLine("listening on 127.0.0.1:80"), undefined);
  assert.equal(parseReadinessLine("warning: listening on tcp://x:1 soon"), undefined);
  assert.equal(
    formatListenAddress({ transport: "udp", hostname: "::1", port: 5 }),
    "udp://[::1]:5",
  );
});

Deno.test("an ftp:// line is a TCP listener that speaks standard FTP, and prints back so", () => {
  const address = parseReadinessLine("listening on ftp://127.0.0.1:2121");
  assert.deepEqual(address, {
    transport: "tcp",
    protocol: "ftp",
    hostname: "127.0.0.1",
    port: 2121,
  });
  assert.equal(formatListenAddress(address!), "ftp://127.0.0.1:2121");
});

Deno.test("only complete lines count", () => {
  assert.deepEqual(readinessLines("listening on tcp://127.0.0.1:4"), []);
  assert.equal(readinessLines("listening on tcp://127.0.0.1:4\n").length, 1);
});

Deno.test("awaitReadiness returns the real addresses of a server on port 0", async () => {
  const scope = new ChildScope("test-ready");
  const server = scope.spawn(
    "server",
    evalCommand(`const a = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const b = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      console.error("some noise");
      console.error("listening on tcp://127.0.0.1:" + a.addr.port);
      console.error("listening on tcp://127.0.0.1:" + b.addr.port);
      setInterval(() => {}, 1000)`),
  );
  try {
    const [a, b] = await awaitReadiness(server, 2, 5000);
    assert.notEqual(a.port, 0);
    assert.notEqual(a.port, b.port);
    // The address is real: a connection succeeds.
    (await Deno.connect({ hostname: a.hostname, port: a.port })).close();
  } finally {
    await scope.killAll();
  }
});

Deno.test("a server that exits first fails at once, with its stderr", async () => {
  const scope = new ChildScope("test-ready-fail");
  const server = scope.spawn("server", evalCommand(`console.error("port taken"); Deno.exit(1)`));
  await assert.rejects(awaitReadiness(server, 1, 10_000), /output ended[\s\S]*port taken/);
  await scope.killAll();
});

Deno.test("a port above 65535 or an empty host is not a readiness line", () => {
  assert.equal(parseReadinessLine("listening on tcp://127.0.0.1:65536"), undefined);
  assert.equal(parseReadinessLine("listening on tcp://127.0.0.1:123456"), undefined);
  assert.equal(parseReadinessLine("listening on tcp://[]:80"), undefined);
  assert.deepEqual(parseReadinessLine("listening on udp://[::1]:65535"), {
    transport: "udp",
    hostname: "::1",
    port: 65535,
  });
});
