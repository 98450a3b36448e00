import assert from "node:assert/strict";
import { clientGolden, goldensOf, serverGolden } from "./golden_names.ts";
import type { ConformanceCase } from "./case.ts";

const chat = { program: "chat_server.ts" };
const client = { program: "chat_client.ts" };

Deno.test("our server and a client without a role: <id>.server and <id>.client", () => {
  const testCase: ConformanceCase = {
    id: "c",
    title: "",
    server: { peer: chat },
    clients: [{ peer: client }],
  };
  assert.equal(serverGolden(testCase), "c.server");
  assert.equal(clientGolden(testCase, testCase.clients[0] as never), "c.client");
  assert.deepEqual(goldensOf(testCase), ["c.server", "c.client"]);
});

Deno.test("named goldens, golden: false, roles, raw clients and foreign servers", () => {
  const testCase: ConformanceCase = {
    id: "c",
    title: "",
    server: { peer: { command: ["python3", "s.py"] } },
    clients: [
      { role: "one", peer: client },
      [{ role: "two", peer: client, golden: "other.client" }, {
        role: "three",
        peer: client,
        golden: false,
      }],
      { role: "raw", raw: [] },
      { role: "four", peer: client, golden: "other.client" },
    ],
  };
  assert.equal(serverGolden(testCase), undefined);
  assert.deepEqual(goldensOf(testCase), ["c.one", "other.client"]);
  assert.equal(serverGolden({ ...testCase, server: { peer: chat, golden: false } }), undefined);
  assert.equal(
    serverGolden({ ...testCase, server: { peer: chat, golden: "x.server" } }),
    "x.server",
  );
  assert.equal(
    serverGolden({ ...testCase, server: { peer: { command: ["nc"] }, golden: true } }),
    "c.server",
  );
});
