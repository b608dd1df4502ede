/*
 * pkg/sim: injected faults for reliability tests —
 * "rate=0.1,codes=500,503,429,latency=0-50ms,drop=0.02,seed=7": every
 * request waits a latency drawn from the range; then a share `drop` has its
 * connection closed without a reply and a share `rate` fails with one of
 * the codes. One seeded generator decides, so the same seed and the same
 * sequence of requests give the same faults.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

static int parse_ms(const char *s, long *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (!strcmp(end, "ms") || !*end)
		*ms = (long)v;
	else if (!strcmp(end, "s"))
		*ms = (long)(v * 1000);
	else
		return -1;
	return 0;
}

static int parse_share(const char *key, const char *v, double *out,
		       struct gerr *err)
{
	char *end;
	double d = strtod(v, &end);

	if (end == v || *end || d < 0 || d > 1)
		return gerr_setc(err, GERR_INPUT,
				 "faults: %s=%s: expected a number from 0 to 1",
				 key, v);
	*out = d;
	return 0;
}

static int add_code(struct faults *f, const char *v, struct gerr *err)
{
	char *end;
	long c = strtol(v, &end, 10);

	if (end == v || *end || c < 400 || c > 599)
		return gerr_setc(err, GERR_INPUT,
				 "faults: codes: '%s' is not an HTTP error "
				 "code (400-599)", v);
	if (f->ncodes == (int)(sizeof(f->codes) / sizeof(f->codes[0])))
		return gerr_setc(err, GERR_INPUT, "faults: too many codes");
	f->codes[f->ncodes++] = (int)c;
	return 0;
}

int faults_parse(struct faults *out, const char *spec, struct gerr *err)
{
	struct faults f;
	char *copy = xstrdup(spec ? spec : ""), *save = NULL, *tok;
	const char *key = NULL;
	int have_seed = 0, ret = 0;

	memset(&f, 0, sizeof(f));
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *v = tok;

		while (*v == ' ')
			v++;
		if (eq) {
			*eq = 0;
			key = tok;
			v = eq + 1;
		} else if (!key || strcmp(key, "codes")) {
			ret = gerr_setc(err, GERR_INPUT,
					"faults: '%s': expected KEY=VALUE", tok);
			break;
		}
		if (!strcmp(key, "rate"))
			ret = parse_share(key, v, &f.rate, err);
		else if (!strcmp(key, "drop"))
			ret = parse_share(key, v, &f.drop, err);
		else if (!strcmp(key, "codes"))
			ret = add_code(&f, v, err);
		else if (!strcmp(key, "seed")) {
			char *end;

			f.rng = strtoull(v, &end, 10);
			if (end == v || *end)
				ret = gerr_setc(err, GERR_INPUT,
						"faults: seed=%s: expected a "
						"number", v);
			have_seed = 1;
		} else if (!strcmp(key, "latency")) {
			const char *dash = strchr(v, '-');

			if (dash) {
				char *lo = xstrndup(v, (size_t)(dash - v));

				if (parse_ms(lo, &f.lat_min) < 0 ||
				    parse_ms(dash + 1, &f.lat_max) < 0)
					ret = -1;
				free(lo);
			} else if (parse_ms(v, &f.lat_min) == 0) {
				f.lat_max = f.lat_min;
			} else {
				ret = -1;
			}
			if (ret < 0 || f.lat_max < f.lat_min)
				ret = gerr_setc(err, GERR_INPUT,
						"faults: latency=%s: expected "
						"MIN-MAX (e.g. 0-50ms)", v);
		} else {
			ret = gerr_setc(err, GERR_INPUT,
					"faults: unknown setting '%s' (rate, "
					"codes, latency, drop, seed)", key);
		}
		if (ret < 0)
			break;
	}
	free(copy);
	if (ret < 0)
		return -1;
	if (!f.ncodes)
		f.codes[f.ncodes++] = 500;
	if (!have_seed)
		f.rng = (uint64_t)time(NULL) ^ 0x5bd1e995ULL;
	f.on = f.rate > 0 || f.drop > 0 || f.lat_max > 0;
	*out = f;
	return 0;
}

/* a uniform number in [0, 1) */
static double uniform(struct faults *f)
{
	return (double)(util_rand(&f->rng) >> 11) / 9007199254740992.0;
}

enum fault_kind faults_roll(struct faults *f, long *delay_ms, int *code)
{
	double u;

	*delay_ms = 0;
	*code = 0;
	if (!f->on)
		return FAULT_NONE;
	if (f->lat_max > 0)
		*delay_ms = f->lat_min + (long)(util_rand(&f->rng) %
						(uint64_t)(f->lat_max -
							   f->lat_min + 1));
	u = uniform(f);
	if (u < f->drop)
		return FAULT_DROP;
	if (u < f->drop + f->rate) {
		*code = f->codes[util_rand(&f->rng) % (uint64_t)f->ncodes];
		return FAULT_CODE;
	}
	return FAULT_NONE;
}
