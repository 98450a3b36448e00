/*
 * The load generator of the connection benchmark, in C: one thread, one epoll set.
 *
 *   cc -O2 -o load_gen bench/load_gen.c
 *   load_gen --port PORT [--host 127.0.0.1] [--connections 100] [--seconds 5] [--warmup 1]
 *            [--message 我] [--reply echo|chat] [--greeting TEXT]
 *
 * Same flags, same behaviour and the same JSON on stdout as load_gen.mjs (plus
 * "generator":"c"), so load_bench.ts runs either. It exists because the Node generator tops out
 * near 90,000 round trips/s against the Node echo on this two-core machine: past that point the
 * table measured the generator. Here a round trip costs the generator one read, one send and a
 * share of one epoll_wait, and nothing else.
 *
 * The run: connections are opened in batches of 100 (non-blocking connects; each connection of
 * a batch connected, greeted when the server greets, and answered once before the next batch),
 * so the server's accept backlog is never overrun and every open connection is known to be
 * accepted. Then every connection sends the message, waits for the whole expected reply (it may
 * arrive in pieces; replies never run together, as one message at most is in flight per
 * connection), checks it byte for byte and sends again. Warm-up first, then the measured window.
 *
 * The expected reply (--reply): echo, the message itself; chat, the message plus 好 (the lesson
 * servers answer each read with its text plus 好, raw UTF-8, no framing). --greeting TEXT is what
 * the server sends first on every connection.
 *
 * Prints one JSON object: round trips/s over the window, p50 and p99 latency in ms (message sent
 * to last reply byte, of the round trips that ended in the window), connections open and served
 * (a round trip in the window), the fewest and most round trips of one open connection in the
 * window, the generator's own CPU time in the window per second of it (cpuBusy; 1 is one core
 * fully busy), with --server-pid PID the same for that process (serverCpuBusy, all its threads;
 * null without the flag), and the errors (connect failures, resets or early closes, wrong
 * replies) with a sample of each kind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Connections opened at once: well under the accept backlog of any of the servers. */
#define BATCH 100
/* Connect attempts per connection, for failures that a moment's wait may cure. */
#define CONNECT_ATTEMPTS 5
#define MAX_EVENTS 1024
/*
 * How long a batch may take to connect, be greeted and answered once. A batch takes milliseconds;
 * a server that never greets or answers as expected (say, an echo run with --reply chat) would
 * otherwise hold the ramp-up forever, so its connections count as failed to connect.
 */
#define RAMP_WAIT_NS 10000000000ull

enum state {
	CONNECTING, /* waiting for the non-blocking connect */
	GREETING,   /* receiving the greeting */
	WAITING,    /* the message is sent (or being sent); receiving the reply */
	READY,      /* ramp-up: answered once; waits for the rest of its batch and the others */
	DEAD,       /* failed; its error is counted */
};

struct conn {
	int fd;
	enum state state;
	int attempts;
	int answered;         /* has completed its ramp-up round trip */
	size_t matched;       /* bytes of the greeting or reply received so far */
	size_t written;       /* bytes of the message written so far */
	int want_out;         /* a partial write waits for EPOLLOUT */
	uint64_t sent_at;     /* ns, when the message in flight was sent */
	uint64_t round_trips; /* completed in the measured window */
};

/* The run's parameters, from the command line. */
static const char *host = "127.0.0.1";
static const char *port;
static long connections = 100;
static double seconds = 5, warmup = 1;
static const char *message = "\xe6\x88\x91"; /* 我 */
static const char *reply_kind = "echo";
static const char *greeting = "";
/* The server's process, whose CPU time in the window is reported beside the generator's (0: none). */
static long server_pid = 0;
static size_t message_len, greeting_len, reply_len;
static char *reply;

static struct addrinfo *address;
static int epoll_fd;
static struct conn *conns;

/* Set once the ramp-up is over; round trips are timed only between these two instants (ns). */
static uint64_t window_start = UINT64_MAX, window_end = UINT64_MAX;
static uint64_t round_trips;
/* Ramp-up progress: connections of the current batch that are READY or DEAD. */
static long settled;

/* Errors by kind, with the first message of each kind as its sample. */
enum error_kind { E_CONNECT, E_CLOSED, E_WRONG_REPLY, E_KINDS };
static const char *const error_names[E_KINDS] = {"connect", "closed", "wrongReply"};
static long errors[E_KINDS];
static char error_samples[E_KINDS][256];

/*
 * Latency histogram, in ns, log-linear: values below 2^SUB_BITS have a bucket each; above, every
 * power of two is split into 2^(SUB_BITS-1) equal buckets, so a bucket is at most 1/128 of its
 * value wide (a few µs at 1 ms) and the whole table is a few thousand counters, however long the
 * run or the latencies.
 */
#define SUB_BITS 8
#define SUB (1u << SUB_BITS)
#define HALF (SUB / 2)
#define BUCKETS ((64 - SUB_BITS + 1) * HALF + SUB)
static uint64_t histogram[BUCKETS];

static unsigned bucket_of(uint64_t ns) {
	if (ns < SUB) return (unsigned)ns;
	unsigned shift = (unsigned)(63 - __builtin_clzll(ns)) - (SUB_BITS - 1);
	return shift * HALF + (unsigned)(ns >> shift);
}

/* The middle of a bucket, in ns. */
static double bucket_middle(unsigned bucket) {
	if (bucket < SUB) return bucket;
	unsigned shift = bucket / HALF - 1;
	double low = (double)((uint64_t)(bucket - shift * HALF) << shift);
	return low + ((double)(1ull << shift) - 1) / 2;
}

/* The latency (ms) below which `permille`/1000 of the recorded round trips fall; < 0 if none. */
static double percentile_ms(uint64_t permille) {
	if (round_trips == 0) return -1;
	uint64_t rank = (round_trips * permille + 999) / 1000, seen = 0;
	for (unsigned b = 0; b < BUCKETS; b++) {
		seen += histogram[b];
		if (seen >= rank) return bucket_middle(b) / 1e6;
	}
	return -1;
}

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU seconds (user + system) this process has used so far. */
static double cpu_seconds(void) {
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
	       (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/*
 * CPU seconds (user + system, all threads) process `pid` has used so far, from /proc/PID/stat;
 * < 0 when it cannot be read. How busy the server was tells whether it or the generator held
 * the round trips down.
 */
static double process_cpu_seconds(long pid) {
	char path[64], text[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *file = fopen(path, "r");
	if (!file) return -1;
	size_t n = fread(text, 1, sizeof text - 1, file);
	fclose(file);
	text[n] = 0;
	/* Field 2, the command name, may hold spaces and parentheses: count from the last ")". */
	char *after_name = strrchr(text, ')');
	unsigned long user_ticks, system_ticks;
	/* Fields 3 to 13 (state, ids, flags, fault counts) are skipped; 14 and 15 are the times. */
	if (!after_name || sscanf(after_name + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	                          &user_ticks, &system_ticks) != 2)
		return -1;
	return (double)(user_ticks + system_ticks) / (double)sysconf(_SC_CLK_TCK);
}

static void fail(struct conn *c, enum error_kind kind, const char *sample) {
	errors[kind]++;
	if (error_samples[kind][0] == 0)
		snprintf(error_samples[kind], sizeof error_samples[0], "%s", sample);
	if (c->fd >= 0) close(c->fd); /* closing also takes it out of the epoll set */
	c->fd = -1;
	if (c->state != READY) settled++;
	c->state = DEAD;
}

static void watch(struct conn *c, int op, uint32_t events) {
	struct epoll_event ev = {.events = events, .data.ptr = c};
	if (epoll_ctl(epoll_fd, op, c->fd, &ev) < 0) {
		perror("epoll_ctl");
		exit(1);
	}
}

static void start_connect(struct conn *c) {
	c->fd = socket(address->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fail(c, E_CONNECT, strerror(errno));
		return;
	}
	/* Each message is one small write that should leave at once, as the Node generator's does. */
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->state = CONNECTING;
	c->attempts++;
	if (connect(c->fd, address->ai_addr, address->ai_addrlen) < 0 && errno != EINPROGRESS) {
		/* Reported through the same path as an asynchronous failure. */
		int error = errno;
		close(c->fd);
		c->fd = -1;
		errno = error;
	}
	if (c->fd >= 0) watch(c, EPOLL_CTL_ADD, EPOLLOUT);
}

/* A connect that failed with `error`: tried again after a pause if the cause may pass. */
static void connect_failed(struct conn *c, int error) {
	int passing = error == ECONNREFUSED || error == EAGAIN || error == ETIMEDOUT ||
		      error == ECONNRESET;
	if (!passing || c->attempts >= CONNECT_ATTEMPTS) {
		if (c->fd >= 0) close(c->fd);
		c->fd = -1;
		fail(c, E_CONNECT, strerror(error));
		return;
	}
	if (c->fd >= 0) close(c->fd);
	c->fd = -1;
	/* Only during ramp-up, where nothing is timed, so blocking the loop costs no figure. */
	usleep(50000u * (unsigned)c->attempts);
	start_connect(c);
	if (c->fd < 0 && c->state != DEAD) connect_failed(c, errno);
}

/* Writes what is left of the message; the rest waits for EPOLLOUT if the socket is full. */
static void flush(struct conn *c) {
	while (c->written < message_len) {
		/* MSG_NOSIGNAL: a server that resets is an error to count, not a SIGPIPE to die of. */
		ssize_t n = send(c->fd, message + c->written, message_len - c->written, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) {
				if (!c->want_out) watch(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
				c->want_out = 1;
				return;
			}
			fail(c, E_CLOSED, strerror(errno));
			return;
		}
		c->written += (size_t)n;
	}
	if (c->want_out) watch(c, EPOLL_CTL_MOD, EPOLLIN);
	c->want_out = 0;
}

static void send_message(struct conn *c, uint64_t now) {
	c->state = WAITING;
	c->matched = 0;
	c->written = 0;
	c->sent_at = now;
	flush(c);
}

/* The whole reply is in. */
static void answered(struct conn *c) {
	if (!c->answered) {
		/* Ramp-up: the connection is accepted and answering; it waits for the others. */
		c->answered = 1;
		c->state = READY;
		settled++;
		return;
	}
	uint64_t now = now_ns();
	if (now >= window_start && now < window_end) {
		round_trips++;
		c->round_trips++;
		histogram[bucket_of(now - c->sent_at)]++;
	}
	send_message(c, now);
}

/* Quotes `bytes` as the sample of a wrong reply, as JSON.stringify would show the text. */
static void wrong_reply(struct conn *c, const char *bytes, size_t n) {
	char sample[sizeof error_samples[0]];
	if (n > sizeof sample - 3) n = sizeof sample - 3;
	sample[0] = '"';
	memcpy(sample + 1, bytes, n);
	sample[n + 1] = '"';
	sample[n + 2] = 0;
	fail(c, E_WRONG_REPLY, sample);
}

static void readable(struct conn *c) {
	/* Larger than any expected text, so one read shows whether the server sent too much. */
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof buf);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) return;
		fail(c, E_CLOSED, strerror(errno));
		return;
	}
	if (n == 0) {
		fail(c, E_CLOSED, "closed by the server");
		return;
	}
	/* A connection waiting for the ramp-up to end has nothing outstanding: anything is wrong. */
	if (c->state == READY) {
		wrong_reply(c, buf, (size_t)n);
		return;
	}
	const char *expected = c->state == GREETING ? greeting : reply;
	size_t expected_len = c->state == GREETING ? greeting_len : reply_len;
	/* More than the rest of what is expected, or other bytes: the conversation is off track. */
	if ((size_t)n > expected_len - c->matched || memcmp(buf, expected + c->matched, (size_t)n)) {
		wrong_reply(c, buf, (size_t)n);
		return;
	}
	c->matched += (size_t)n;
	if (c->matched < expected_len) return;
	if (c->state == GREETING) send_message(c, now_ns());
	else answered(c);
}

static void connected(struct conn *c) {
	int error = 0;
	socklen_t len = sizeof error;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0) error = errno;
	if (error) {
		connect_failed(c, error);
		return;
	}
	watch(c, EPOLL_CTL_MOD, EPOLLIN);
	if (greeting_len > 0) {
		c->state = GREETING;
		c->matched = 0;
	} else {
		send_message(c, now_ns());
	}
}

static void handle(struct conn *c, uint32_t events) {
	if (c->state == DEAD) return;
	if (c->state == CONNECTING) {
		connected(c);
		return;
	}
	if ((events & EPOLLOUT) && c->state == WAITING && c->written < message_len) flush(c);
	/* EPOLLERR and EPOLLHUP end in read, which reports the error or the end of the stream. */
	if (c->state != DEAD && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) readable(c);
}

/* Waits for events at most until `deadline` (ns; UINT64_MAX for no bound) and handles them. */
static void poll_once(uint64_t deadline) {
	static struct epoll_event events[MAX_EVENTS];
	int timeout = -1;
	if (deadline != UINT64_MAX) {
		uint64_t now = now_ns();
		timeout = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
	}
	int n = epoll_wait(epoll_fd, events, MAX_EVENTS, timeout);
	if (n < 0) {
		if (errno == EINTR) return;
		perror("epoll_wait");
		exit(1);
	}
	for (int i = 0; i < n; i++) handle(events[i].data.ptr, events[i].events);
}

/* Prints `text` as a JSON string: quotes, backslashes and control characters escaped. */
static void print_json_string(const char *text) {
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\') printf("\\%c", *p);
		else if (*p < 0x20) printf("\\u%04x", *p);
		else putchar(*p);
	}
	putchar('"');
}

static void print_ms(const char *name, double ms) {
	if (ms < 0) printf("\"%s\":null,", name);
	else printf("\"%s\":%.3f,", name, ms);
}

static void usage(const char *problem) {
	fprintf(stderr,
		"load_gen: %s\nusage: load_gen --port PORT [--host H] [--connections C] "
		"[--seconds S] [--warmup S] [--message TEXT] [--reply echo|chat] [--greeting TEXT] "
		"[--server-pid PID]\n",
		problem);
	exit(2);
}

/* Flags as load_gen.mjs takes them: `--name value` or `--name=value`. */
static void parse_args(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		char *name = argv[i], *value;
		if (strncmp(name, "--", 2) != 0) usage("unexpected argument");
		name += 2;
		char *eq = strchr(name, '=');
		if (eq) {
			*eq = 0;
			value = eq + 1;
		} else {
			if (i + 1 >= argc) usage("a flag lacks its value");
			value = argv[++i];
		}
		if (!strcmp(name, "host")) host = value;
		else if (!strcmp(name, "port")) port = value;
		else if (!strcmp(name, "connections")) connections = atol(value);
		else if (!strcmp(name, "seconds")) seconds = atof(value);
		else if (!strcmp(name, "warmup")) warmup = atof(value);
		else if (!strcmp(name, "message")) message = value;
		else if (!strcmp(name, "reply")) reply_kind = value;
		else if (!strcmp(name, "greeting")) greeting = value;
		else if (!strcmp(name, "server-pid")) server_pid = atol(value);
		else usage("unknown flag");
	}
	if (!port) usage("--port is required");
	if (connections < 1) usage("--connections takes a positive count");
	if (seconds <= 0 || warmup < 0) usage("--seconds must be positive, --warmup not negative");
	if (strcmp(reply_kind, "echo") && strcmp(reply_kind, "chat")) usage("--reply takes echo or chat");
	if (!*message) usage("--message must not be empty");
}

int main(int argc, char **argv) {
	parse_args(argc, argv);
	message_len = strlen(message);
	greeting_len = strlen(greeting);
	const char *suffix = strcmp(reply_kind, "chat") ? "" : "\xe5\xa5\xbd"; /* 好 */
	reply_len = message_len + strlen(suffix);
	reply = malloc(reply_len + 1);
	memcpy(reply, message, message_len);
	strcpy(reply + message_len, suffix);

	/* One descriptor per connection: take all the hard limit allows, as the bench's ulimit does. */
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}

	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	int gai = getaddrinfo(host, port, &hints, &address);
	if (gai) {
		fprintf(stderr, "load_gen: %s:%s: %s\n", host, port, gai_strerror(gai));
		return 1;
	}
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	conns = calloc((size_t)connections, sizeof *conns);
	if (epoll_fd < 0 || !conns) {
		perror("load_gen");
		return 1;
	}

	uint64_t ramp_start = now_ns();
	for (long opened = 0; opened < connections; opened += BATCH) {
		long end = opened + BATCH < connections ? opened + BATCH : connections;
		settled = 0;
		for (long i = opened; i < end; i++) {
			conns[i].fd = -1;
			start_connect(&conns[i]);
			if (conns[i].fd < 0 && conns[i].state != DEAD) connect_failed(&conns[i], errno);
		}
		uint64_t deadline = now_ns() + RAMP_WAIT_NS;
		while (settled < end - opened && now_ns() < deadline) poll_once(deadline);
		for (long i = opened; i < end; i++) {
			if (conns[i].state != READY && conns[i].state != DEAD)
				fail(&conns[i], E_CONNECT, "no greeting or first answer within 10 s");
		}
	}
	uint64_t ramp_end = now_ns();

	long open = 0;
	for (long i = 0; i < connections; i++) {
		if (conns[i].state != READY) continue;
		open++;
		send_message(&conns[i], ramp_end);
	}
	window_start = ramp_end + (uint64_t)(warmup * 1e9);
	window_end = window_start + (uint64_t)(seconds * 1e9);
	/* With nothing open there is nothing to time; the figures are zeros either way. */
	while (open > 0 && now_ns() < window_start) poll_once(window_start);
	/* How busy the generator itself was in the window: near 1, it may be the bottleneck. */
	double cpu_start = cpu_seconds();
	double server_cpu_start = server_pid > 0 ? process_cpu_seconds(server_pid) : -1;
	while (open > 0 && now_ns() < window_end) poll_once(window_end);
	double cpu_used = cpu_seconds() - cpu_start;
	double server_cpu_end = server_pid > 0 ? process_cpu_seconds(server_pid) : -1;

	long served = 0;
	uint64_t fewest = UINT64_MAX, most = 0;
	for (long i = 0; i < connections; i++) {
		struct conn *c = &conns[i];
		if (!c->answered) continue; /* never open */
		if (c->round_trips > 0) served++;
		if (c->round_trips < fewest) fewest = c->round_trips;
		if (c->round_trips > most) most = c->round_trips;
	}
	if (open == 0) fewest = 0;

	double window = (double)(window_end - window_start) / 1e9;
	printf("{\"generator\":\"c\",\"connections\":%ld,\"open\":%ld,\"served\":%ld,", connections,
	       open, served);
	printf("\"rampSeconds\":%.3f,\"seconds\":%.3f,", (double)(ramp_end - ramp_start) / 1e9, window);
	printf("\"roundTrips\":%llu,\"roundTripsPerSecond\":%.0f,", (unsigned long long)round_trips,
	       (double)round_trips / window);
	print_ms("p50Ms", percentile_ms(500));
	print_ms("p99Ms", percentile_ms(990));
	printf("\"cpuBusy\":%.3f,", cpu_used / window);
	if (server_cpu_start < 0 || server_cpu_end < 0) printf("\"serverCpuBusy\":null,");
	else printf("\"serverCpuBusy\":%.3f,", (server_cpu_end - server_cpu_start) / window);
	printf("\"minRoundTrips\":%llu,\"maxRoundTrips\":%llu,", (unsigned long long)fewest,
	       (unsigned long long)most);
	printf("\"errors\":%ld,\"errorKinds\":{",
	       errors[E_CONNECT] + errors[E_CLOSED] + errors[E_WRONG_REPLY]);
	for (int k = 0; k < E_KINDS; k++) printf("%s\"%s\":%ld", k ? "," : "", error_names[k], errors[k]);
	printf("},\"errorSamples\":{");
	int first = 1;
	for (int k = 0; k < E_KINDS; k++) {
		if (!error_samples[k][0]) continue;
		printf("%s\"%s\":", first ? "" : ",", error_names[k]);
		print_json_string(error_samples[k]);
		first = 0;
	}
	printf("}}\n");
	/* The connections close with the process, as the Node generator's are destroyed. */
	return 0;
}
