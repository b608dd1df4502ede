/*
 * pkg/kube: small helpers — files, base64, URL escaping, durations,
 * wiping secrets.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"

char *kube_read_file_(const char *path, size_t *len, struct gerr *err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		gerr_setc(err, GERR_IO, "cannot read %s: %s", path,
			  strerror(errno));
		return NULL;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			gerr_setc(err, GERR_IO, "cannot read %s: %s", path,
				  strerror(errno));
			close(fd);
			kube_wipe_strbuf(&sb);
			return NULL;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	if (len)
		*len = sb.len;
	return strbuf_detach(&sb, NULL);
}

/* The compiler may not drop these writes: the memory is freed right after,
 * which is exactly when a plain memset would be optimised away. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

void kube_free_secret(char *s)
{
	if (!s)
		return;
	wipe(s, strlen(s));
	free(s);
}

void kube_wipe_strbuf(struct strbuf *sb)
{
	if (sb->alloc)
		wipe(sb->buf, sb->alloc);
	strbuf_release(sb);
}

void kube_url_escape(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' ||
		    ch == '~')
			strbuf_addch(out, (char)ch);
		else
			strbuf_addf(out, "%%%02X", ch);
	}
}

char *kube_url_unescape(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			strbuf_addch(&sb, (char)strtol(hex, NULL, 16));
			i += 2;
		} else {
			strbuf_addch(&sb, s[i]);
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* Go's time.ParseDuration units, in milliseconds. */
static double unit_ms(const char *u, size_t n)
{
	static const struct { const char *name; double ms; } units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 },
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && !memcmp(units[i].name, u, n))
			return units[i].ms;
	return -1;
}

int kube_parse_duration(const char *s, long *ms, struct gerr *err)
{
	const char *p = s;
	double total = 0;
	char *end;

	if (!s || !*s)
		return gerr_setc(err, GERR_INPUT, "invalid duration \"\"");
	/* kubectl: "a value of zero means don't timeout"; a bare number is
	 * seconds */
	errno = 0;
	long bare = strtol(s, &end, 10);
	if (!*end && errno == 0 && bare >= 0) {
		*ms = bare * 1000;
		return 0;
	}
	while (*p) {
		double v;
		const char *u;
		if (!isdigit((unsigned char)*p) && *p != '.')
			goto bad;
		v = strtod(p, &end);
		if (end == p)
			goto bad;
		u = end;
		while (*end && !isdigit((unsigned char)*end) && *end != '.')
			end++;
		double f = unit_ms(u, (size_t)(end - u));
		if (f < 0)
			goto bad;
		total += v * f;
		p = end;
	}
	if (total > 1e15)
		goto bad;
	*ms = (long)llround(total);
	return 0;
bad:
	return gerr_setc(err, GERR_INPUT,
			 "invalid duration \"%s\" (examples: 30s, 1m30s, "
			 "500ms, 2h; 0 for no limit)", s);
}
