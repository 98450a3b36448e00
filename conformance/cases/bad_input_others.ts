/**
 * The bad-input catalogue of issue #6 for every other server (chat, welcome, echo, select, framing, ssh, UDP, …): each case feeds one kind of bad input or
 * fault to a server, checks that it answers with a one-line refusal (or lets go of the
 * connection), and then that it still serves the next client in full. Each case's
 * `reliability` entry is its row in `docs/RELIABILITY.md`.
 *
 * @module
 */
