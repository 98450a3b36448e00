import assert from "node:assert/strict";
import { checkRequest, labOrigin, newSecret } from "./guard.ts";

const PORT = 8123;
const SECRET = "a".repeat(48);
const config = { secret: SECRET, port: PORT };

/** A request to the lab as `new Request` builds it, with `headers` (host set by default). */
function request(path: string, headers: Record<string, string>, method = "GET"): Request {
  const request = new Request(`http://127.0.0.1:${PORT}${path}`, { method, headers });
  // `new Request` keeps a Host header as given: set it as a browser would, unless overridden.
  if (!("host" in headers)) request.headers.set("host", `127.0.0.1:${PORT}`);
  return request;
}

const upgrade = { upgrade: "websocket", connection: "Upgrade" };

Deno.test("a page of the lab with the secret is allowed", () => {
  assert.deepEqual(checkRequest(request(`/?token=${SECRET}`, {}), config), { allowed: true });
  const ws = request(`/lessons/chat/run?token=${SECRET}`, { ...upgrade, origin: labOrigin(PORT) });
  assert.deepEqual(checkRequest(ws, config), { allowed: true });
});

Deno.test("a wrong, short, long or missing secret is refused with 403", () => {
  for (const path of ["/", "/?token=", `/?token=${SECRET}x`, `/?token=${SECRET.slice(1)}`]) {
    const verdict = checkRequest(request(path, {}), config);
    assert.ok(!verdict.allowed && verdict.status === 403, path);
  }
});

Deno.test("a Host other than 127.0.0.1:PORT is refused with 421, secret or not", () => {
  for (const host of ["evil.example", `evil.example:${PORT}`, `localhost:${PORT}`, "127.0.0.1:1"]) {
    const verdict = checkRequest(request(`/?token=${SECRET}`, { host }), config);
    assert.ok(!verdict.allowed && verdict.status === 421, host);
  }
});

Deno.test("a WebSocket or POST needs the lab's Origin; any foreign Origin is refused", () => {
  const run = `/lessons/chat/run?token=${SECRET}`;
  const cases: [string, Record<string, string>, string][] = [
    ["WebSocket without Origin", upgrade, "GET"],
    ["WebSocket from another site", { ...upgrade, origin: "http://evil.example" }, "GET"],
    ["WebSocket from another port", { ...upgrade, origin: labOrigin(PORT + 1) }, "GET"],
    ["POST without Origin", {}, "POST"],
    ["POST from another site", { origin: "http://evil.example" }, "POST"],
    ["GET from another site", { origin: "http://evil.example" }, "GET"],
  ];
  for (const [what, headers, method] of cases) {
    const verdict = checkRequest(request(run, headers, method), config);
    assert.ok(!verdict.allowed && verdict.status === 403, what);
  }
});

Deno.test("secrets are fresh and long", () => {
  const secrets = new Set([newSecret(), newSecret(), newSecret()]);
  assert.equal(secrets.size, 3);
  for (const secret of secrets) assert.match(secret, /^[0-9a-f]{48}$/);
});
