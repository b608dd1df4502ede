#include "pkg/base/error.h"
#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"

#include <stdarg.h>
#include <stdlib.h>

static int set_message(struct gerr *err, enum gerr_code code, char *msg)
{
	if (!err) {
		free(msg);
		return -1;
	}
	free(err->msg);
	err->msg = msg;
	err->code = code;
	return -1;
}

static char *vformat(const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	return strbuf_detach(&sb, NULL);
}

int gerr_set(struct gerr *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	return set_message(err, GERR_FAIL, msg);
}

int gerr_setc(struct gerr *err, enum gerr_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	return set_message(err, code, msg);
}

int gerr_at(struct gerr *err, const char *file, int line, int col,
	    const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addstr(&sb, file ? file : "<input>");
	if (line > 0)
		strbuf_addf(&sb, ":%d", line);
	if (line > 0 && col > 0)
		strbuf_addf(&sb, ":%d", col);
	strbuf_addstr(&sb, ": ");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return set_message(err, GERR_INPUT, strbuf_detach(&sb, NULL));
}

int gerr_prefix(struct gerr *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addstr(&sb, ": ");
	strbuf_addstr(&sb, err->msg ? err->msg : "unknown error");
	free(err->msg);
	err->msg = strbuf_detach(&sb, NULL);
	if (err->code == GERR_OK)
		err->code = GERR_FAIL;
	return -1;
}

int gerr_failed(const struct gerr *err)
{
	return err && err->code != GERR_OK;
}

const char *gerr_msg(const struct gerr *err)
{
	if (!err || !err->msg)
		return "unknown error";
	return err->msg;
}

void gerr_clear(struct gerr *err)
{
	if (!err)
		return;
	free(err->msg);
	err->msg = NULL;
	err->code = GERR_OK;
}

void gerr_move(struct gerr *dst, struct gerr *src)
{
	if (!dst) {
		gerr_clear(src);
		return;
	}
	free(dst->msg);
	dst->msg = src->msg;
	dst->code = src->code;
	src->msg = NULL;
	src->code = GERR_OK;
}
