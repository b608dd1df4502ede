/* pkg/sim: small helpers for JSON paths, time stamps and identifiers. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

void util_timestamp(struct strbuf *out)
{
	time_t now = time(NULL);
	struct tm tm;
	char buf[32];

	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_addstr(out, buf);
}

long long util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* xorshift64*: small, fast, and repeatable from a seed, which the faults
 * need; uids only need to be distinct. */
uint64_t util_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

void util_uuid(struct sim *s, struct strbuf *out)
{
	uint64_t a = util_rand(&s->rng), b = util_rand(&s->rng);

	/* version 4, variant 10 */
	a = (a & ~0xf000ULL) | 0x4000ULL;
	b = (b & ~(3ULL << 62)) | (2ULL << 62);
	strbuf_addf(out, "%08llx-%04llx-%04llx-%04llx-%012llx",
		    (unsigned long long)(a >> 32),
		    (unsigned long long)((a >> 16) & 0xffff),
		    (unsigned long long)(a & 0xffff),
		    (unsigned long long)(b >> 48),
		    (unsigned long long)(b & 0xffffffffffffULL));
}

json_t *jpath(const json_t *obj, const char *path)
{
	char key[256];
	const char *p = path;

	while (obj && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (n >= sizeof(key) || !json_is_object(obj))
			return NULL;
		memcpy(key, p, n);
		key[n] = 0;
		obj = json_object_get(obj, key);
		p += n + (dot ? 1 : 0);
	}
	return (json_t *)obj;
}

const char *jstr(const json_t *obj, const char *path)
{
	return json_string_value(jpath(obj, path));
}

json_t *jobj(json_t *parent, const char *key)
{
	json_t *v = json_object_get(parent, key);

	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(parent, key, v);
	}
	return v;
}

void jdefault(json_t *obj, const char *key, json_t *value)
{
	if (!json_object_get(obj, key) ||
	    json_is_null(json_object_get(obj, key)))
		json_object_set_new(obj, key, value);
	else
		json_decref(value);
}

json_t *jmeta(json_t *obj)
{
	return jobj(obj, "metadata");
}

