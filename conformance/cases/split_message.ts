/**
 * What a reader without framing makes of half a message, shown deterministically: the proxy
 * splits one message and holds its second half back until the other side has answered the
 * first (`holdBack`), so the half is all the reader can have seen. These cases expect the
 * breakage the README's table describes ("may break"); their goldens are the broken outcome.
 * A lesson that gained framing would wait for the whole message and fail them.
 *
 * @module
 */

import type { ConformanceCase, Lesson } from "../harness/case.ts";
import { chat } from "./chat.ts";
import { ftpDownload } from "./ftp_download.ts";
import { ftpUpload } from "./ftp_upload.ts";
import { loginLesson } from "./lessons_part2.ts";
import { utf8 } from "./_helpers.ts";

const ON_TOP = "the case stages one split on purpose; more faults on top of it change what " +
  "the reader without framing makes of it";

/** The lesson's main case as the base of a split case: its own goldens, no byte counts. */
function splitCase(
  lesson: Lesson,
  fields: Partial<ConformanceCase> & Pick<ConformanceCase, "id" | "title" | "holdBack">,
): ConformanceCase {
  const main = lesson.cases.find((each) => each.id === lesson.id)!;
  const clients = main.clients.map((phase) =>
    (Array.isArray(phase) ? phase : [phase]).map((role) => ({ ...role, golden: undefined }))
  ).flat();
  return {
    ...main,
    // The case stages one particular split; chaos on top of it changes what the reader sees.
    chaosMayBreak: {
      "one-byte": ON_TOP,
      "random-splits": ON_TOP,
      "coalesced": ON_TOP,
      "delays": ON_TOP,
    },
    bytes: undefined,
    connectionBytes: undefined,
    mutations: undefined,
    expectFiles: undefined,
    clients,
    ...fields,
  };
}

const PROMPT = "请输入要发送的内容>>>：";

chat.cases.push(splitCase(chat, {
  id: "chat-split-message",
  title: "你好 split after 你: the server answers 你好, then 好好 (one recv is one message)",
  // Whether the second answer is read glued to the first, and whether the server sees the
  // client's q or its leaving first, are timing: only the broken answer is pinned.
  server: { peer: { program: "chat_server.ts" }, golden: false },
  clients: [{
    peer: { program: "chat_client.ts" },
    dialogue: [{ wait: PROMPT, type: "你好" }, { wait: PROMPT, type: "q" }],
    golden: false,
    transcriptMatches: /内容>>>：你好\n(你好|你好好好)\n/,
  }],
  holdBack: { dir: "c2s", after: utf8("你") },
  mutations: [{ program: "chat_server.ts", from: `"好"`, to: `"了"`, shows: "does not match" }],
}));

ftpUpload.cases.push(splitCase(ftpUpload, {
  id: "ftp_upload-split-size",
  title: "the size 1795 split after 17: the server takes 17 bytes, and the MD5s differ",
  holdBack: { dir: "c2s", after: 2 },
  clients: [{
    peer: { program: "ftp_upload_client.ts" },
    exitCode: 1,
    // The server answers and closes with the rest of the upload unread, which resets the
    // connection: the answer reaches the client first, or is lost with the reset (timing).
    golden: false,
    transcriptMatches: new RegExp(
      "^欢迎登陆FTP系统\nfile MD5\\(before send\\): 8538a2876ec718b52850d4abfa89b651\n" +
        "(file MD5\\(after send\\):5b1a3604dcd89a65433f2ee616628490\n)?$",
    ),
    stderr: new RegExp(
      "the server's MD5 differs: upload not verified|" +
        "the server closed the connection before answering with its MD5",
    ),
  }],
  mutations: [{
    program: "ftp_upload_server.ts",
    from: "MD5 mismatch: client",
    to: "MD5 mismatch: the client",
    shows: "MD5 mismatch: the client",
  }],
}));

ftpDownload.cases.push(splitCase(ftpDownload, {
  id: "ftp_download-split-command",
  title: "get f.png split after get f: the server looks for f, then hears .png as a command",
  holdBack: { dir: "c2s", after: utf8("get f") },
  // The answer to .png may be read glued to the first: only the broken answer is pinned.
  server: { peer: { program: "ftp_download_server.ts" }, golden: false },
  clients: [{
    peer: { program: "ftp_download_client.ts" },
    dialogue: [{ wait: ">>:", type: "get f.png" }],
    golden: false,
    transcriptMatches: /servr response: error: no such file: f(error: usage: get NAME)?\n/,
  }],
  mutations: [{
    program: "ftp_download_server.ts",
    from: "no such file: ${name}",
    to: "not found: ${name}",
    shows: "does not match",
  }],
}));

loginLesson.cases.push(splitCase(loginLesson, {
  id: "login-split-welcome",
  title: "the welcome split after 欢迎: the client takes the rest of it for the verdict",
  holdBack: { dir: "s2c", after: utf8("欢迎") },
  // Whether the real verdict is read glued to the rest of the welcome is timing; either way
  // the client prints a verdict that is not one, and says it failed (status 1).
  clients: [{
    peer: { program: "login_client.ts" },
    dialogue: [{ wait: "请输入账号名:", type: "alice" }, { wait: "请输入密码:", type: "secret" }],
    golden: false,
    transcriptMatches: /^欢迎\n请输入账号名:alice\n请输入密码:secret\n使用XX系统(登陆成功)?\n$/,
    exitCode: 1,
  }],
  mutations: [{
    program: "login_server.ts",
    from: `const WELCOME = "欢迎使用XX系统";`,
    to: `const WELCOME = "欢迎使用YY系统";`,
    shows: "does not match",
  }],
}));
