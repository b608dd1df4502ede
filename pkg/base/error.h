#ifndef GANTRY_BASE_ERROR_H
#define GANTRY_BASE_ERROR_H

/*
 * The one error type of gantry.
 *
 * A function that can fail takes `struct gerr *err` as its last argument;
 * on failure it fills err and returns -1 (or NULL). Callers that know more
 * (which file, which object) add it with gerr_prefix() on the way up, so a
 * message ends up reading from the outside in:
 *
 *   apps/volley/app.yaml:12:5: spec.sources[0].chart: no such directory
 *
 * The message is owned by the struct and freed by gerr_clear(). A NULL err
 * is allowed everywhere and means "the caller does not want the details".
 * Messages must never contain secret values (tokens, keys, Secret data).
 */

enum gerr_code {
	GERR_OK = 0,
	GERR_FAIL,         /* anything without a more useful class */
	GERR_INPUT,        /* a user's file is wrong: YAML, spec, template */
	GERR_IO,           /* reading or writing the local file system */
	GERR_UNREACHABLE,  /* no connection to a server */
	GERR_UNAUTHORIZED, /* 401 */
	GERR_FORBIDDEN,    /* 403 */
	GERR_NOT_FOUND,    /* 404 */
	GERR_CONFLICT,     /* 409 */
	GERR_INVALID,      /* 422 */
	GERR_TIMEOUT,
	GERR_INTERRUPTED,  /* SIGINT/SIGTERM */
};

struct gerr {
	enum gerr_code code;
	char *msg;
};

#define GERR_INIT { GERR_OK, 0 }

/* Replace any earlier error. All return -1 so that `return gerr_set(...)`
 * reads naturally. */
int gerr_set(struct gerr *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int gerr_setc(struct gerr *err, enum gerr_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:LINE:COL: message" (":COL" left out when col is 0, ":LINE" when
 * line is 0); code GERR_INPUT. */
int gerr_at(struct gerr *err, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Put "prefix: " in front of the current message. */
int gerr_prefix(struct gerr *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int gerr_failed(const struct gerr *err);
const char *gerr_msg(const struct gerr *err);
void gerr_clear(struct gerr *err);
/* Move src into dst (clearing dst first); src is left empty. */
void gerr_move(struct gerr *dst, struct gerr *src);

#endif
