/**
 * MD5实现 / 中文的长度问题 / 获取文件大小 — the MD5 demo: md5("wangzy"), "神" in characters and
 * bytes, and the size of the seed's 14-byte demo1.txt. It uses no network.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";

/** MD5实现 / 中文的长度问题 / 获取文件大小. */
export const md5Demo: Lesson = {
  id: "md5_demo",
  title: "MD5实现 / 中文的长度问题 / 获取文件大小",
  titleEn: "MD5, UTF-8 lengths and file sizes",
  seed: {
    file: "000_84409504fdc3648b.txt",
    section: "使用Socket实现FTP-上传功能(MD5): MD5实现, 中文的长度问题, 获取文件大小",
  },
  transport: "none",
  host: "-",
  port: 0,
  scripts: ["md5_demo.ts"],
  cases: [{
    id: "md5_demo",
    title: `md5("wangzy"), "神" in characters and bytes, the size of the seed's 14-byte demo1.txt`,
    files: [{ at: "client", path: "demo1.txt", content: { text: "abcdefghijklmn" } }],
    clients: [{ peer: { program: "md5_demo.ts", args: ["demo1.txt"] } }],
    mutations: [{
      program: "md5_demo.ts",
      from: `"wangzy"`,
      to: `"wangz"`,
      shows: `+md5("wangz")`,
    }],
  }],
};
