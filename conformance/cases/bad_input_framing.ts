/**
 * The bad-input catalogue of issue #6 for the framing, select, ssh and UDP servers (framed, sticky, sticky_len, select_echo, select_rw, select_multiport, ssh, udp): each case feeds one kind of bad input or
 * fault to a server, checks that it answers with a one-line refusal (or lets go of the
 * connection), and then that it still serves the next client in full. Each case's
 * `reliability` entry is its row in `docs/RELIABILITY.md`.
 *
 * @module
 */
