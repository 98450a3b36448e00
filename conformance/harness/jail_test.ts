import assert from "node:assert/strict";
import type { ConformanceCase } from "./case.ts";
import { jailExemptions } from "./jail.ts";

const ftp: ConformanceCase = {
  id: "ftp",
  title: "a jailed server",
  server: { peer: { program: "ftp_server.ts" }, mayChange: /^ftp_root\// },
  clients: [{ role: "uploader", peer: { program: "ftp_client.ts" } }],
};

Deno.test("a case without mayChange has no jail", () => {
  assert.equal(
    jailExemptions({ ...ftp, server: { peer: { program: "ftp_server.ts" } } }),
    undefined,
  );
});

Deno.test("the jail exempts the clients' folders, the server's script and what it may change", () => {
  const exempt = jailExemptions(ftp)!;
  assert.equal(exempt("uploader"), true);
  assert.equal(exempt("uploader/data.bin"), true);
  assert.equal(exempt("server/ftp_server.ts"), true);
  assert.equal(exempt("server/ftp_root/data.bin"), true);
  assert.equal(exempt("server"), false);
  assert.equal(exempt("server/secret.txt"), false);
  assert.equal(exempt("outside.txt"), false);
});
