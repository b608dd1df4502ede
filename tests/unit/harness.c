#include "tests/unit/harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/strbuf.h"
#include "pkg/yaml/yaml.h"

static int count, failed;

static void report(int ok, const char *fmt, va_list ap)
{
	count++;
	if (!ok)
		failed++;
	printf("%sok %d - ", ok ? "" : "not ", count);
	vprintf(fmt, ap);
	putchar('\n');
}

void t_ok(int ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(ok, fmt, ap);
	va_end(ap);
}

static void diag_block(const char *label, const char *text)
{
	printf("#   %s:\n", label);
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		printf("#     |%.*s\n", n, p);
		p += n + (nl ? 1 : 0);
	}
}

void t_str(const char *got, const char *want, const char *fmt, ...)
{
	int ok = got && want ? !strcmp(got, want) : got == want;
	va_list ap;
	va_start(ap, fmt);
	report(ok, fmt, ap);
	va_end(ap);
	if (!ok) {
		diag_block("got", got ? got : "(null)");
		diag_block("want", want ? want : "(null)");
	}
}

void t_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("#   got %lld, want %lld\n", got, want);
}

void t_json(const json_t *got, const json_t *want, const char *fmt, ...)
{
	int ok = got && want && json_equal((json_t *)got, (json_t *)want);
	va_list ap;
	va_start(ap, fmt);
	report(ok, fmt, ap);
	va_end(ap);
	if (!ok) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		if (got)
			yaml_write_json(&a, got, 0);
		if (want)
			yaml_write_json(&b, want, 0);
		diag_block("got", got ? a.buf : "(null)");
		diag_block("want", want ? b.buf : "(null)");
		strbuf_release(&a);
		strbuf_release(&b);
	}
}

void t_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

int t_done(void)
{
	printf("1..%d\n", count);
	return failed ? 1 : 0;
}

const char *t_testdata(void)
{
	const char *d = getenv("GANTRY_TESTDATA");
	return d && *d ? d : "testdata";
}
