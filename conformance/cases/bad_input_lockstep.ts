/**
 * The bad-input catalogue of issue #6 for the lockstep servers (basic, blocking, chat, delay, madongmei, multiconn, multiplex, tcp_hello, threaded_chat, upper, welcome): each case feeds one kind of bad input or
 * fault to a server, checks that it answers with a one-line refusal (or lets go of the
 * connection), and then that it still serves the next client in full. Each case's
 * `reliability` entry is its row in `docs/RELIABILITY.md`.
 *
 * @module
 */
