/**
 * Every lesson with its cases, in the order of the README's lesson index.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";
import "./bad_input_files.ts";
import "./bad_input_framing.ts";
import "./bad_input_lockstep.ts";
import { basic } from "./basic.ts";
import { chat } from "./chat.ts";
import { ftp } from "./ftp.ts";
import { ftpDownload } from "./ftp_download.ts";
import { ftpUpload } from "./ftp_upload.ts";
import "./chaos.ts";
import "./split_message.ts";
import { addIpv6Twins } from "./ipv6.ts";
import {
  assertDemo,
  blocking,
  madongmei,
  md5Demo,
  multiconn,
  multiplex,
  notebook,
  pseudoConcurrent,
  selectEcho,
  selectMultiport,
  selectRw,
  sendVsSendall,
  tcpHello,
  threadedChat,
  udp,
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
import "./third_party.ts";
import { upper } from "./upper.ts";

/** All lessons. */
export const lessons: Lesson[] = [
  chat,
  ftp,
  ftpUpload,
  ftpDownload,
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
  udp,
  blocking,
  notebook,
  multiconn,
  md5Demo,
  sendVsSendall,
  assertDemo,
  pseudoConcurrent,
  sticky,
  stickyLen,
  framed,
  msgFile,
  loginLesson,
  uploadProgress,
  ssh,
];

addIpv6Twins(lessons);
