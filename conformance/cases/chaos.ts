/**
 * How each lesson fares under `deno task conformance --chaos` (see harness/chaos.ts): which
 * modes may break its wire format and why (README, "How the bytes may arrive"), and the
 * mutants that make a framed reader trust one read as one message, which one-byte delivery
 * must catch. Lessons not named here must pass every mode exactly as they pass the plain run.
 *
 * @module
 */

import type { Mutation } from "../harness/standalone.ts";
import type { LessonChaos } from "../harness/case.ts";
import { chat } from "./chat.ts";
import { ftp } from "./ftp.ts";
import { ftpDownload } from "./ftp_download.ts";
import { ftpUpload } from "./ftp_upload.ts";
import { basic } from "./basic.ts";
import { upper } from "./upper.ts";
import {
  blocking,
  madongmei,
  multiconn,
  multiplex,
  notebook,
  pseudoConcurrent,
  selectEcho,
  selectMultiport,
  selectRw,
  tcpHello,
  threadedChat,
  welcome,
} from "./lessons_part1.ts";
import {
  framed,
  loginLesson,
  msgFile,
  ssh,
  sticky,
  stickyLen,
  uploadProgress,
} from "./lessons_part2.ts";

/** Splitting modes: a message of a format without boundaries may arrive in pieces. */
function splitting(why: string): LessonChaos["mayBreak"] {
  return { "one-byte": why, "random-splits": why };
}

const LOCKSTEP = "one recv is one message, as in the seed: a message split in two is " +
  "answered as two (each side waits for the other, so nothing is ever glued)";

for (
  const lesson of [
    chat,
    upper,
    basic,
    tcpHello,
    welcome,
    madongmei,
    threadedChat,
    selectMultiport,
    selectEcho,
    selectRw,
    multiplex,
    blocking,
    notebook,
    multiconn,
    pseudoConcurrent,
  ]
) lesson.chaos = { mayBreak: splitting(LOCKSTEP) };

/** `readExactly` (the same in every script that has it) trusting one read. */
function readExactlyTrustingOneRead(program: string): Mutation {
  return {
    program,
    from: `  for (let got = 0; got < n;) {
    const read = await conn.read(data.subarray(got));
    if (read === null) return null;
    got += read;
  }
  return data;`,
    to: `  const read = await conn.read(data);
  if (read === null) return null;
  return data.subarray(0, read);`,
  };
}

ftp.chaos = {
  oneReadMutations: [{
    program: "ftp_server.ts",
    from: `      this.#end += n;
    }`,
    to: `      this.#end += n;
      if (this.#buffer.subarray(this.#start, this.#end).indexOf(0x0a) < 0) {
        const line = this.#buffer.subarray(this.#start, this.#end);
        this.#start = this.#end;
        return new TextDecoder().decode(line);
      }
    }`,
  }],
};

ftpUpload.chaos = {
  mayBreak: splitting(
    "the size is bare digits read with one recv: the ack keeps it from being glued to the " +
      "data, not from arriving in pieces",
  ),
  oneReadMutations: [readExactlyTrustingOneRead("ftp_upload_server.ts")],
};

ftpDownload.chaos = {
  mayBreak: splitting(
    "the command `get NAME`, the size and the ack are bare text read with one recv each",
  ),
};

framed.chaos = { oneReadMutations: [readExactlyTrustingOneRead("framed_server.ts")] };
msgFile.chaos = { oneReadMutations: [readExactlyTrustingOneRead("msg_file_server.ts")] };
stickyLen.chaos = { oneReadMutations: [readExactlyTrustingOneRead("sticky_len_server.ts")] };

sticky.chaos = {
  oneReadMutations: [{
    program: "sticky_server.ts",
    from: "for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {",
    to: "for (let n = await conn.read(buffer); n !== null; n = null) {",
  }],
};

loginLesson.chaos = {
  mayBreak: splitting(
    "the request is JSON, read until it parses, but the welcome and the verdict are bare " +
      "text the client takes from one recv, as the seed does",
  ),
  oneReadMutations: [{
    program: "login_server.ts",
    from: "if (end < 0) continue;",
    to: 'if (end < 0) throw new Error("the request is not valid JSON");',
  }],
};

uploadProgress.chaos = {
  oneReadMutations: [{
    program: "upload_progress_server.ts",
    from: "header = parseHeader(start.subarray(0, filled), ended);",
    to: "header = parseHeader(start.subarray(0, filled), true);",
  }],
};
const names = uploadProgress.cases.find((each) => each.id === "upload_progress-names");
if (names) {
  names.chaosMayBreak = splitting(
    "the header NAME-SIZE has no end marker: a name holding -DIGITS (my-photo-2024.png) read " +
      "in pieces can end where a size could",
  );
}

ssh.chaos = {
  mayBreak: splitting(
    "the command, the size and the ack have no end marker (only the output is framed, by " +
      "the size)",
  ),
};
