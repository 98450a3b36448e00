/**
 * Every lesson with its cases, in the order of the README's lesson index. Each lesson's module
 * (named by its id) holds the whole lesson: its cases, its bad-input rows, its chaos settings.
 *
 * @module
 */

import type { Lesson } from "../harness/case.ts";
import { assertDemo } from "./assert_demo.ts";
import { basic } from "./basic.ts";
import { blocking } from "./blocking.ts";
import { chat } from "./chat.ts";
import { framed } from "./framed.ts";
import { ftp } from "./ftp.ts";
import { ftpDownload } from "./ftp_download.ts";
import { ftpUpload } from "./ftp_upload.ts";
import { loginLesson } from "./login.ts";
import { madongmei } from "./madongmei.ts";
import { md5Demo } from "./md5_demo.ts";
import { msgFile } from "./msg_file.ts";
import { multiconn } from "./multiconn.ts";
import { multiplex } from "./multiplex.ts";
import { notebook } from "./notebook.ts";
import { pseudoConcurrent } from "./pseudo_concurrent.ts";
import { selectEcho } from "./select_echo.ts";
import { selectMultiport } from "./select_multiport.ts";
import { selectRw } from "./select_rw.ts";
import { sendVsSendall } from "./send_vs_sendall.ts";
import { ssh } from "./ssh.ts";
import { sticky } from "./sticky.ts";
import { stickyLen } from "./sticky_len.ts";
import { tcpHello } from "./tcp_hello.ts";
import { threadedChat } from "./threaded_chat.ts";
import { udp } from "./udp.ts";
import { upper } from "./upper.ts";
import { uploadProgress } from "./upload_progress.ts";
import { welcome } from "./welcome.ts";

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
