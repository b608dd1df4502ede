/*
 * pkg/kube: when to send a request again, and how long to wait first.
 *
 * The rule is "never do twice what must be done once": a request may be
 * repeated when the server cannot have acted on it (no connection, 429),
 * or when acting twice ends in the same state (an idempotent method).
 * A create is neither, so when its outcome is unknown the object is read
 * back before anything is sent again (transport.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"
#include "pkg/base/base64.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

static int has_dry_run(const char *path)
{
	const char *q = strchr(path, '?');
	return q && (strstr(q, "?dryRun=All") || strstr(q, "&dryRun=All"));
}

int kube_idempotent(const char *method, const char *path,
		    const char *content_type)
{
	if (has_dry_run(path))
		return 1;	/* nothing is stored */
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD") ||
	    !strcmp(method, "OPTIONS") || !strcmp(method, "PUT") ||
	    !strcmp(method, "DELETE"))
		return 1;
	if (!strcmp(method, "PATCH") && content_type) {
		/* a merge patch applied twice gives what it gave once; a JSON
		 * patch may not ("add" to "/list/-" appends again) */
		return !strncmp(content_type, "application/merge-patch+json", 28) ||
		       !strncmp(content_type,
				"application/strategic-merge-patch+json", 38) ||
		       !strncmp(content_type, "application/apply-patch+yaml", 28);
	}
	return 0;
}

enum kube_verdict kube_retry_verdict(const char *method, const char *path,
				     const char *content_type, int curl_ok,
				     int conn_retryable, int sent, long status)
{
	int idem = kube_idempotent(method, path, content_type);
	int create = !strcmp(method, "POST");

	if (!curl_ok) {
		if (!conn_retryable)
			return KUBE_FINAL;
		if (!sent || idem)
			return KUBE_RETRY;
		return create ? KUBE_VERIFY : KUBE_FINAL;
	}
	if (status == 429)
		return KUBE_RETRY;	/* rejected before any processing */
	if (status == 500 || status == 502 || status == 503 || status == 504) {
		if (idem)
			return KUBE_RETRY;
		return create ? KUBE_VERIFY : KUBE_FINAL;
	}
	return KUBE_FINAL;
}

long kube_backoff_ms(int attempt, long base, long max, unsigned *seed)
{
	long d = base;

	for (int i = 1; i < attempt && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	if (d < 2)
		return d;
	/* "equal jitter": never less than half the delay, so backoff still
	 * backs off, and clients that failed together do not retry together */
	return d / 2 + (long)(rand_r(seed) % (unsigned)(d / 2 + 1));
}

long kube_retry_after_ms(const char *value, time_t now)
{
	char *end;
	long secs;
	struct tm tm = { 0 };

	if (!value)
		return -1;
	while (*value == ' ')
		value++;
	secs = strtol(value, &end, 10);
	if (end != value && (!*end || *end == '\r' || *end == ' '))
		return secs < 0 ? -1 : secs * 1000;
	/* an HTTP date: "Sun, 06 Nov 1994 08:49:37 GMT" */
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -1;
	secs = (long)(timegm(&tm) - now);
	return secs < 0 ? 0 : secs * 1000;
}

static int subset(const json_t *want, const json_t *have)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_number(want))
		return json_is_number(have) &&
		       json_number_value(want) == json_number_value(have);
	if (json_is_object(want)) {
		if (!json_is_object(have))
			return 0;
		json_object_foreach((json_t *)want, key, v) {
			json_t *h = json_object_get(have, key);
			if (json_is_null(v) && (!h || json_is_null(h)))
				continue;
			if (!h || !subset(v, h))
				return 0;
		}
		return 1;
	}
	if (json_is_array(want)) {
		if (!json_is_array(have) ||
		    json_array_size(want) != json_array_size(have))
			return 0;
		json_array_foreach(want, i, v)
			if (!subset(v, json_array_get(have, i)))
				return 0;
		return 1;
	}
	return json_equal(want, have);
}

/* A Secret's stringData comes back folded into data, base64-encoded. */
static int string_data_in(const json_t *sd, const json_t *data)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)sd, key, v) {
		struct strbuf b = STRBUF_INIT;
		const char *s = json_string_value(v);
		const char *have = json_string_value(json_object_get(data, key));
		int ok;
		if (!s)
			return 0;
		base64_encode(&b, s, strlen(s));
		ok = have && !strcmp(have, b.buf);
		kube_wipe_strbuf(&b);
		if (!ok)
			return 0;
	}
	return 1;
}

int kube_same_create(const json_t *sent, const json_t *live)
{
	const char *mine = json_string_value(json_object_get(json_object_get(
		json_object_get(sent, "metadata"), "annotations"), LAST_APPLIED));
	const char *key;
	json_t *v;

	if (mine) {
		/* exact and immune to server-side normalisation of the
		 * object: the annotation is stored as sent */
		const char *theirs = json_string_value(json_object_get(
			json_object_get(json_object_get(live, "metadata"),
					"annotations"), LAST_APPLIED));
		return theirs && !strcmp(mine, theirs);
	}
	json_object_foreach((json_t *)sent, key, v) {
		if (!strcmp(key, "status"))
			continue;	/* a create ignores status */
		if (!strcmp(key, "stringData")) {
			if (!string_data_in(v, json_object_get(live, "data")))
				return 0;
			continue;
		}
		if (!subset(v, json_object_get(live, key)))
			return 0;
	}
	return 1;
}
