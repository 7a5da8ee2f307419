/* SPDX-License-Identifier: MIT */
/* Parses anpr-bofsim's options; every value is range-checked and a bad one names itself. */
#include "bofsim_cfg.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_codes.h"
#include "verifypool.h"
#include "version.h"

static const char k_usage[] =
    "Usage: anpr-bofsim --cert PEM --key PEM --ca PEM --db PATH [OPTION]...\n"
    "A back office for tests: an HTTPS server with mutual TLS that takes batches of signed\n"
    "reads on POST /v1/reads and answers GET /v1/health (docs/back-office-protocol.md).\n"
    "Each read's ES256 JWS is verified against the client certificate it arrived with (kid =\n"
    "SHA-256 of that certificate's public key), its images against the signed digests; reads\n"
    "are stored once by id in SQLite (stored / duplicate / rejected), and gaps and hash-chain\n"
    "breaks are counted per device.\n\n"
    "  --listen HOST:PORT   where to listen (default 127.0.0.1:8443); port 0 picks a free one.\n"
    "                       \"listening on PORT\" is printed to stdout once listening.\n"
    "  --cert PEM           server certificate (chain)\n"
    "  --key PEM            its private key\n"
    "  --ca PEM             CA bundle that device (client) certificates must chain to\n"
    "  --db PATH            SQLite database, created if missing (tables reads, gaps, rejected)\n"
    "  --report PATH        JSON counters, rewritten every second and on exit\n"
    "  --idle-timeout S     close a keep-alive connection idle S seconds (default 30)\n"
    "  --request-timeout S  a request must arrive within S seconds of its first byte (default 60)\n"
    "  --verify-threads N   verify the reads of a batch on N threads (1..64), the connection's\n"
    "                       own included; 1 checks them one after another (default: online CPUs)\n"
    "  --log-level LEVEL    error, warn, info (default) or debug\n\n"
    "Fault injection (for the unit's retry logic):\n"
    "  --refuse             close every connection right after accepting it\n"
    "  --reject-all         answer every request 401\n"
    "  --fail-500 P         answer a batch 500 with probability P (0..1), without storing it\n"
    "  --fail-429 P         answer a batch 429 with probability P, without storing it\n"
    "  --retry-after S      send Retry-After: S with each 429 (0..86400; default none)\n"
    "  --slow-ms N          wait N ms (0..600000) before every response\n"
    "  --drop-after-store P store a batch, then close the connection without answering, with\n"
    "                       probability P (the unit must resend; the reads come back duplicate)\n"
    "Hostile answers: each stores the batch, then answers 200 with probability P (0..1) with\n"
    "a body that acknowledges none or only some of its reads (the unit must resend the rest;\n"
    "they come back duplicate). At most one per batch, tried in this order:\n"
    "  --reply-garbage P    a body that is not JSON (random bytes, or the answer cut short)\n"
    "  --reply-huge P       a 3 MiB JSON body (the real results, then padding): past the\n"
    "                       unit's 1 MiB cap\n"
    "  --reply-wrong-ids P  results for ids that were not sent (another device's, or sequence\n"
    "                       numbers not in the batch), plus one correct result\n"
    "  --reply-partial P    results for only half of the batch's reads (every second one)\n"
    "  --seed N             seed for the fault probabilities (default 1)\n\n"
    "  --help, --version\n\n"
    "On SIGINT or SIGTERM it closes every connection, prints the counters (the --report JSON)\n"
    "to stdout and exits.\n"
    "Exit status: 0 stopped by a signal, 1 a runtime failure (accepting failed), 64 usage error,\n"
    "69 cannot listen or open the database, 70 internal error, 78 certificate, key or CA unusable.\n";

enum {
	OPT_LISTEN = 256,
	OPT_CERT,
	OPT_KEY,
	OPT_CA,
	OPT_DB,
	OPT_REPORT,
	OPT_REFUSE,
	OPT_REJECT_ALL,
	OPT_FAIL_500,
	OPT_FAIL_429,
	OPT_RETRY_AFTER,
	OPT_SLOW_MS,
	OPT_DROP,
	OPT_REPLY_GARBAGE,
	OPT_REPLY_HUGE,
	OPT_REPLY_WRONG_IDS,
	OPT_REPLY_PARTIAL,
	OPT_SEED,
	OPT_IDLE,
	OPT_REQUEST_TIMEOUT,
	OPT_LOG_LEVEL,
	OPT_VERIFY_THREADS,
	OPT_HELP,
	OPT_VERSION,
};

static int usage_error(const char *fmt, ...) ANPR_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("anpr-bofsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'anpr-bofsim --help'.\n", stderr);
	return ANPR_EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = (uint64_t)v;
	return true;
}

static bool parse_prob(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !(v >= 0.0 && v <= 1.0))
		return false;
	*out = v;
	return true;
}

/* HOST:PORT, with [v6]:PORT for IPv6 literals. */
static bool parse_listen(const char *s, anpr_bofsim_cfg_store *st)
{
	const char *colon = strrchr(s, ':');
	uint64_t port;

	if (!colon || colon == s)
		return false;
	const char *host = s;
	size_t hlen = (size_t)(colon - s);
	if (host[0] == '[') {
		if (hlen < 3 || host[hlen - 1] != ']')
			return false;
		host++;
		hlen -= 2;
	}
	if (hlen >= sizeof(st->host) || !parse_u64(colon + 1, 0, 65535, &port))
		return false;
	memcpy(st->host, host, hlen);
	st->host[hlen] = '\0';
	snprintf(st->port, sizeof(st->port), "%u", (unsigned)port);
	return true;
}

int anpr_bofsim_cfg_parse(int argc, char **argv, anpr_bofsim_cfg *cfg, anpr_bofsim_cfg_store *st)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "db", required_argument, NULL, OPT_DB },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "refuse", no_argument, NULL, OPT_REFUSE },
		{ "reject-all", no_argument, NULL, OPT_REJECT_ALL },
		{ "fail-500", required_argument, NULL, OPT_FAIL_500 },
		{ "fail-429", required_argument, NULL, OPT_FAIL_429 },
		{ "retry-after", required_argument, NULL, OPT_RETRY_AFTER },
		{ "slow-ms", required_argument, NULL, OPT_SLOW_MS },
		{ "drop-after-store", required_argument, NULL, OPT_DROP },
		{ "reply-garbage", required_argument, NULL, OPT_REPLY_GARBAGE },
		{ "reply-huge", required_argument, NULL, OPT_REPLY_HUGE },
		{ "reply-wrong-ids", required_argument, NULL, OPT_REPLY_WRONG_IDS },
		{ "reply-partial", required_argument, NULL, OPT_REPLY_PARTIAL },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "verify-threads", required_argument, NULL, OPT_VERIFY_THREADS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int opt;

	memset(cfg, 0, sizeof(*cfg));
	memset(st, 0, sizeof(*st));
	snprintf(st->host, sizeof(st->host), "127.0.0.1");
	snprintf(st->port, sizeof(st->port), "8443");
	cfg->seed = 1;
	cfg->idle_timeout_s = 30;
	cfg->request_timeout_s = 60;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN:
			if (!parse_listen(optarg, st))
				return usage_error("--listen wants HOST:PORT with a port 0..65535, not '%s'",
						   optarg);
			break;
		case OPT_CERT:
			cfg->cert = optarg;
			break;
		case OPT_KEY:
			cfg->key = optarg;
			break;
		case OPT_CA:
			cfg->ca = optarg;
			break;
		case OPT_DB:
			cfg->db = optarg;
			break;
		case OPT_REPORT:
			cfg->report = optarg;
			break;
		case OPT_REFUSE:
			cfg->refuse = true;
			break;
		case OPT_REJECT_ALL:
			cfg->reject_all = true;
			break;
		case OPT_FAIL_500:
			if (!parse_prob(optarg, &cfg->fail_500))
				return usage_error("--fail-500 wants a probability 0..1, not '%s'", optarg);
			break;
		case OPT_FAIL_429:
			if (!parse_prob(optarg, &cfg->fail_429))
				return usage_error("--fail-429 wants a probability 0..1, not '%s'", optarg);
			break;
		case OPT_DROP:
			if (!parse_prob(optarg, &cfg->drop_after_store))
				return usage_error("--drop-after-store wants a probability 0..1, not '%s'",
						   optarg);
			break;
		case OPT_REPLY_GARBAGE:
			if (!parse_prob(optarg, &cfg->reply_garbage))
				return usage_error("--reply-garbage wants a probability 0..1, not '%s'",
						   optarg);
			break;
		case OPT_REPLY_HUGE:
			if (!parse_prob(optarg, &cfg->reply_huge))
				return usage_error("--reply-huge wants a probability 0..1, not '%s'", optarg);
			break;
		case OPT_REPLY_WRONG_IDS:
			if (!parse_prob(optarg, &cfg->reply_wrong_ids))
				return usage_error("--reply-wrong-ids wants a probability 0..1, not '%s'",
						   optarg);
			break;
		case OPT_REPLY_PARTIAL:
			if (!parse_prob(optarg, &cfg->reply_partial))
				return usage_error("--reply-partial wants a probability 0..1, not '%s'",
						   optarg);
			break;
		case OPT_RETRY_AFTER:
			if (!parse_u64(optarg, 0, 86400, &v))
				return usage_error("--retry-after wants seconds 0..86400, not '%s'", optarg);
			cfg->retry_after = (unsigned)v;
			break;
		case OPT_SLOW_MS:
			if (!parse_u64(optarg, 0, 600000, &v))
				return usage_error("--slow-ms wants 0..600000, not '%s'", optarg);
			cfg->slow_ms = (unsigned)v;
			break;
		case OPT_SEED:
			if (!parse_u64(optarg, 0, UINT64_MAX, &cfg->seed))
				return usage_error("--seed wants an unsigned 64-bit number, not '%s'",
						   optarg);
			break;
		case OPT_IDLE:
			if (!parse_u64(optarg, 1, 86400, &v))
				return usage_error("--idle-timeout wants seconds 1..86400, not '%s'", optarg);
			cfg->idle_timeout_s = (unsigned)v;
			break;
		case OPT_REQUEST_TIMEOUT:
			if (!parse_u64(optarg, 1, 86400, &v))
				return usage_error("--request-timeout wants seconds 1..86400, not '%s'",
						   optarg);
			cfg->request_timeout_s = (unsigned)v;
			break;
		case OPT_VERIFY_THREADS:
			if (!parse_u64(optarg, 1, ANPR_VERIFYPOOL_THREADS_MAX, &v))
				return usage_error("--verify-threads wants 1..%d, not '%s'",
						   ANPR_VERIFYPOOL_THREADS_MAX, optarg);
			cfg->verify_threads = (unsigned)v;
			break;
		case OPT_LOG_LEVEL:
			st->log_level = optarg;
			break;
		case OPT_HELP:
			fputs(k_usage, stdout);
			return ANPR_EXIT_OK;
		case OPT_VERSION:
			printf("anpr-bofsim %s\n", ANPR_VERSION);
			return ANPR_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg->cert || !cfg->key || !cfg->ca || !cfg->db)
		return usage_error("--cert, --key, --ca and --db are required");
	cfg->host = st->host;
	cfg->port = st->port;
	return -1;
}
