/*
 * kubesim — a Kubernetes API server emulator on loopback, for gantry's
 * tests and demo. Parses options, starts pkg/sim, prints the URL, writes
 * the kubeconfig, and stops cleanly on SIGTERM or SIGINT.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/sim.h"

static const char usage[] =
	"usage: kubesim [OPTIONS]\n"
	"\n"
	"kubesim emulates a Kubernetes API server on a loopback address:\n"
	"discovery, OpenAPI, every verb with kube-apiserver's defaults,\n"
	"validation and errors, CRDs, watches, and simulated controllers.\n"
	"It prints its URL on standard output and runs until SIGTERM or\n"
	"SIGINT.\n"
	"\n"
	"Options:\n"
	"      --listen HOST:PORT      where to serve, loopback only\n"
	"                              (default 127.0.0.1:0: any free port)\n"
	"      --kubeconfig-out FILE   write a kubeconfig for kubectl and "
	"gantry\n"
	"      --tls                   serve HTTPS with a CA and certificate "
	"made at start\n"
	"      --cert FILE             serve HTTPS with this certificate "
	"(PEM)...\n"
	"      --key FILE              ...and this key (PEM)\n"
	"      --ca FILE               the CA written into the kubeconfig "
	"with --cert\n"
	"      --token TOKEN           require this bearer token (401 "
	"otherwise)\n"
	"      --readonly-token TOKEN  a token that may only read (403 on "
	"writes)\n"
	"      --state FILE            load at start; save on exit and every "
	"2 seconds\n"
	"      --audit-log FILE        append one JSON line per request\n"
	"      --stages FILE           status steps for custom resources (see "
	"kubesim(1))\n"
	"      --faults SPEC           inject faults, e.g.\n"
	"                              "
	"rate=0.1,codes=500,503,429,latency=0-50ms,drop=0.02,seed=7\n"
	"      --tick DURATION         controller tick (default 100ms; 0: "
	"controllers off)\n"
	"      --crd-delay DURATION    until a CRD is Established (default "
	"200ms)\n"
	"  -q, --quiet                 print nothing but the URL\n"
	"  -h, --help                  show this help\n"
	"      --version               print kubesim's version\n";

enum {
	OPT_LISTEN = 256, OPT_KUBECONFIG, OPT_TLS, OPT_CERT, OPT_KEY, OPT_CA,
	OPT_TOKEN, OPT_RO_TOKEN, OPT_STATE, OPT_AUDIT, OPT_STAGES, OPT_FAULTS,
	OPT_TICK, OPT_CRD_DELAY, OPT_VERSION,
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "kubeconfig-out", required_argument, NULL, OPT_KUBECONFIG },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "readonly-token", required_argument, NULL, OPT_RO_TOKEN },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "audit-log", required_argument, NULL, OPT_AUDIT },
	{ "stages", required_argument, NULL, OPT_STAGES },
	{ "faults", required_argument, NULL, OPT_FAULTS },
	{ "tick", required_argument, NULL, OPT_TICK },
	{ "crd-delay", required_argument, NULL, OPT_CRD_DELAY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* "100ms", "2s", "1.5s", "250" (milliseconds) */
static int parse_duration(const char *s, long *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (!*end || !strcmp(end, "ms"))
		*ms = (long)v;
	else if (!strcmp(end, "s"))
		*ms = (long)(v * 1000);
	else if (!strcmp(end, "m"))
		*ms = (long)(v * 60000);
	else
		return -1;
	return 0;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "kubesim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nRun 'kubesim --help' for the options.\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct sim_config cfg;
	struct gerr err = GERR_INIT;
	const char *kubeconfig = NULL;
	struct sim *s;
	sigset_t set;
	int c, sig, quiet = 0;

	mem_init();
	sim_config_init(&cfg);
	while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN: cfg.listen = optarg; break;
		case OPT_KUBECONFIG: kubeconfig = optarg; break;
		case OPT_TLS: cfg.tls = 1; break;
		case OPT_CERT: cfg.cert_file = optarg; break;
		case OPT_KEY: cfg.key_file = optarg; break;
		case OPT_CA: cfg.ca_file = optarg; break;
		case OPT_TOKEN: cfg.token = optarg; break;
		case OPT_RO_TOKEN: cfg.readonly_token = optarg; break;
		case OPT_STATE: cfg.state_file = optarg; break;
		case OPT_AUDIT: cfg.audit_log = optarg; break;
		case OPT_STAGES: cfg.stages_file = optarg; break;
		case OPT_FAULTS: cfg.faults = optarg; break;
		case OPT_TICK:
			if (parse_duration(optarg, &cfg.tick_ms) < 0)
				return bad_usage("--tick %s: expected a "
						 "duration such as 100ms or 1s",
						 optarg);
			break;
		case OPT_CRD_DELAY:
			if (parse_duration(optarg, &cfg.crd_delay_ms) < 0)
				return bad_usage("--crd-delay %s: expected a "
						 "duration such as 200ms",
						 optarg);
			break;
		case 'q': quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case OPT_VERSION:
			printf("kubesim %s (Kubernetes v1.32.0 API)\n",
			       GANTRY_VERSION);
			return 0;
		default:
			fputs(usage, stderr);
			return 1;
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	cfg.quiet = quiet;
	/* every thread started below inherits the blocked signals, so only
	 * sigwait() here sees them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s = sim_new(&cfg, &err);
	if (!s || sim_serve(s, &err) < 0 ||
	    (kubeconfig && sim_write_kubeconfig(s, kubeconfig, &err) < 0)) {
		fprintf(stderr, "kubesim: %s\n", gerr_msg(&err));
		gerr_clear(&err);
		sim_free(s);
		return 1;
	}
	printf("%s\n", sim_url(s));
	fflush(stdout);
	if (!quiet && kubeconfig)
		fprintf(stderr, "kubesim: serving %s (kubeconfig %s)\n",
			sim_url(s), kubeconfig);
	sigwait(&set, &sig);
	if (sim_stop(s, &err) < 0) {
		fprintf(stderr, "kubesim: %s\n", gerr_msg(&err));
		gerr_clear(&err);
		sim_free(s);
		return 1;
	}
	sim_free(s);
	return 0;
}
