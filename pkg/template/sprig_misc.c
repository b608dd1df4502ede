/*
 * Sprig's defaults (default empty coalesce ternary all any), hello, JSON
 * (toPrettyJson toRawJson mustToJson mustToPrettyJson mustToRawJson
 * mustFromJson — toJson and fromJson are Helm's own), reflection (typeOf
 * typeIs typeIsLike kindOf kindIs deepEqual), paths (base dir clean ext
 * isAbs and the os* forms, which are the same on Unix), semver (semver
 * semverCompare) and network (getHostByName).
 *
 * getHostByName resolves at render time, as Helm does, which makes the
 * output depend on the resolver of the machine that renders. Sprig picks
 * one of the addresses at random; gantry always takes the first the
 * resolver gives, so that two renders on one machine agree. A name that
 * does not resolve fails the render as it does in Helm (Sprig indexes an
 * empty list: "invalid argument to Intn").
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pkg/base/mem.h"
#include "pkg/template/semver.h"
#include "pkg/template/sprig.h"

#define STR(v) ((v)->u.str.s)
#define LEN(v) ((v)->u.str.len)

/* Sprig's own greeting, part of its function map (and so of Helm's) */
static int f_hello(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_string("Hello!");
	return 0;
}

/* ---- defaults ---- */

static int f_default(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	if (nargs < 2 || sprig_empty(args[1]))
		*result = tmpl_ref(args[0]);
	else
		*result = tmpl_ref(args[1]);
	return 0;
}

static int f_empty(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_bool(sprig_empty(args[0]));
	return 0;
}

static int f_coalesce(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	for (size_t i = 0; i < nargs; i++)
		if (!sprig_empty(args[i])) {
			*result = tmpl_ref(args[i]);
			return 0;
		}
	*result = tmpl_nil();
	return 0;
}

static int f_all_any(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	int want_all = !strcmp(call->name, "all");
	for (size_t i = 0; i < nargs; i++)
		if (sprig_empty(args[i]) == want_all) {
			*result = tmpl_bool(!want_all);
			return 0;
		}
	*result = tmpl_bool(want_all);
	return 0;
}

static int f_ternary(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_ref(args[2]->u.b ? args[0] : args[1]);
	return 0;
}

/* ---- JSON ---- */

static int to_json(struct tmpl_call *call, struct tmpl_value *v,
		   unsigned flags, int must, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	if (sprig_json(&sb, v, flags, &err) < 0) {
		strbuf_release(&sb);
		if (must) {
			tmpl_call_error(call, "%s", gerr_msg(&err));
			gerr_clear(&err);
			return -1;
		}
		gerr_clear(&err);     /* Sprig ignores the error: "" */
	}
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_to_json(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	const char *n = call->name;
	int must = !strncmp(n, "must", 4);
	unsigned flags = SPRIG_JSON_ESCAPE_HTML;
	if (strstr(n, "Pretty"))
		flags |= SPRIG_JSON_INDENT;
	if (strstr(n, "Raw"))
		flags &= ~SPRIG_JSON_ESCAPE_HTML;
	return to_json(call, args[0], flags, must, result);
}

static int f_must_from_json(struct tmpl_call *call, struct tmpl_value **args,
			    size_t nargs, struct tmpl_value **result)
{
	return sprig_json_parse(STR(args[0]), LEN(args[0]), result, call->err);
}

/* ---- reflection ---- */

static int f_type_of(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_string(tmpl_type_name(args[0]));
	return 0;
}

static int f_type_is(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	const char *t = tmpl_type_name(args[1]);
	const char *want = STR(args[0]);
	int like = !strcmp(call->name, "typeIsLike");
	*result = tmpl_bool(!strcmp(want, t) ||
			    (like && t[0] == '*' && !strcmp(want, t + 1)));
	return 0;
}

static int f_kind_of(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_string(tmpl_kind_name(args[0]));
	return 0;
}

static int f_kind_is(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_bool(!strcmp(STR(args[0]), tmpl_kind_name(args[1])));
	return 0;
}

static int f_deep_equal(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_bool(sprig_deep_equal(args[0], args[1]));
	return 0;
}

/* ---- paths (Go's path package; path/filepath is the same on Unix) ---- */

/* path.Clean: the shortest equivalent path, lexically (out is empty). */
static void clean(struct strbuf *out, const char *p, size_t n)
{
	int rooted;
	size_t r = 0, dotdot = 0;

	if (!n) {
		strbuf_addch(out, '.');
		return;
	}
	rooted = p[0] == '/';
	if (rooted) {
		strbuf_addch(out, '/');
		r = dotdot = 1;
	}
	while (r < n) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && p[r + 1] == '.' &&
			   (r + 2 == n || p[r + 2] == '/')) {
			r += 2;
			if (out->len > dotdot) {
				/* drop the last element */
				size_t w = out->len - 1;
				while (w > dotdot && out->buf[w] != '/')
					w--;
				strbuf_setlen(out, w);
			} else if (!rooted) {
				/* keep a leading ".." of a relative path */
				if (out->len)
					strbuf_addch(out, '/');
				strbuf_addstr(out, "..");
				dotdot = out->len;
			}
		} else {
			if (out->len != (rooted ? 1u : 0u))
				strbuf_addch(out, '/');
			while (r < n && p[r] != '/')
				strbuf_addch(out, p[r++]);
		}
	}
	if (!out->len)
		strbuf_addch(out, '.');
}

static int f_clean(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	clean(&sb, STR(args[0]), LEN(args[0]));
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_base(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	const char *p = STR(args[0]);
	size_t n = LEN(args[0]), i;
	if (!n) {
		*result = tmpl_string(".");
		return 0;
	}
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (!n) {
		*result = tmpl_string("/");
		return 0;
	}
	for (i = n; i > 0 && p[i - 1] != '/'; i--)
		;
	*result = tmpl_stringn(p + i, n - i);
	return 0;
}

static int f_dir(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = STR(args[0]);
	size_t i = LEN(args[0]);
	while (i > 0 && p[i - 1] != '/')
		i--;
	clean(&sb, p, i);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_ext(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	const char *p = STR(args[0]);
	for (size_t i = LEN(args[0]); i > 0 && p[i - 1] != '/'; i--)
		if (p[i - 1] == '.') {
			*result = tmpl_stringn(p + i - 1, LEN(args[0]) - i + 1);
			return 0;
		}
	*result = tmpl_stringn("", 0);
	return 0;
}

static int f_is_abs(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_bool(LEN(args[0]) > 0 && STR(args[0])[0] == '/');
	return 0;
}

/* ---- semver: the *semver.Version type ---- */

static const struct tmpl_class version_class;
static const struct tmpl_class version_value_class;

static void version_free(void *data)
{
	semver_release(data);
	free(data);
}

static struct semver *self_version(struct tmpl_call *call)
{
	return call->self->u.obj.data;
}

static void version_string(struct strbuf *out, const struct tmpl_value *self)
{
	semver_format(out, self->u.obj.data);
}

static json_t *version_json(const struct tmpl_value *self)
{
	struct strbuf sb = STRBUF_INIT;
	semver_format(&sb, self->u.obj.data);
	json_t *j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

static int m_number(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	const struct semver *v = self_version(call);
	/* uint64 in Go; an int64 holds every version number that occurs */
	*result = tmpl_int64((long long)(!strcmp(call->name, "Major") ? v->major
					 : !strcmp(call->name, "Minor") ? v->minor
									: v->patch));
	return 0;
}

static int m_text(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	const struct semver *v = self_version(call);
	struct strbuf sb = STRBUF_INIT;
	if (!strcmp(call->name, "Prerelease"))
		strbuf_addstr(&sb, v->pre);
	else if (!strcmp(call->name, "Metadata"))
		strbuf_addstr(&sb, v->meta);
	else if (!strcmp(call->name, "Original"))
		strbuf_addstr(&sb, v->original);
	else
		semver_format(&sb, v);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int m_compare(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	int c;
	if (args[0]->kind == TMPL_NIL)
		return sprig_nil_panic(call);
	c = semver_compare(self_version(call), args[0]->u.obj.data);
	if (!strcmp(call->name, "Compare"))
		*result = tmpl_int(c);
	else if (!strcmp(call->name, "LessThan"))
		*result = tmpl_bool(c < 0);
	else if (!strcmp(call->name, "GreaterThan"))
		*result = tmpl_bool(c > 0);
	else
		*result = tmpl_bool(c == 0);
	return 0;
}

static struct tmpl_value *new_version(const struct tmpl_class *cls,
				      struct semver *v)
{
	struct semver *copy = xmalloc(sizeof(*copy));
	*copy = *v;
	return tmpl_object_new(cls, copy);
}

/* IncMajor, IncMinor, IncPatch: a semver.Version (not a pointer); a
 * pre-release or metadata is dropped, and IncPatch of a pre-release only
 * drops it. */
static int m_inc(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	const struct semver *v = self_version(call);
	struct semver n = { v->major, v->minor, v->patch, xstrdup(""),
			    xstrdup(""), NULL };
	struct strbuf sb = STRBUF_INIT;
	if (!strcmp(call->name, "IncMajor")) {
		n.major++;
		n.minor = n.patch = 0;
	} else if (!strcmp(call->name, "IncMinor")) {
		n.minor++;
		n.patch = 0;
	} else if (!*v->pre) {
		n.patch++;
	}
	semver_format(&sb, &n);
	n.original = strbuf_detach(&sb, NULL);
	*result = new_version(&version_value_class, &n);
	return 0;
}

static const struct tmpl_func version_methods[] = {
	{ "Compare", m_compare, "*semver.Version -> int", 0 },
	{ "Equal", m_compare, "*semver.Version -> bool", 0 },
	{ "GreaterThan", m_compare, "*semver.Version -> bool", 0 },
	{ "IncMajor", m_inc, " -> semver.Version", 0 },
	{ "IncMinor", m_inc, " -> semver.Version", 0 },
	{ "IncPatch", m_inc, " -> semver.Version", 0 },
	{ "LessThan", m_compare, "*semver.Version -> bool", 0 },
	{ "Major", m_number, " -> int64", 0 },
	{ "Metadata", m_text, " -> string", 0 },
	{ "Minor", m_number, " -> int64", 0 },
	{ "Original", m_text, " -> string", 0 },
	{ "Patch", m_number, " -> int64", 0 },
	{ "Prerelease", m_text, " -> string", 0 },
	{ "String", m_text, " -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* *semver.Version: a pointer, so eq compares identity, as Go's == does. */
static const struct tmpl_class version_class = {
	"*semver.Version", "ptr", NULL, NULL, version_methods, version_string,
	NULL, version_json, version_free,
};

static const struct tmpl_class version_value_class = {
	"semver.Version", "struct", NULL, NULL, version_methods,
	version_string, NULL, version_json, version_free,
};

static int f_semver(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct semver v;
	if (semver_parse(STR(args[0]), &v, call->err) < 0)
		return -1;
	*result = new_version(&version_class, &v);
	return 0;
}

static int f_semver_compare(struct tmpl_call *call, struct tmpl_value **args,
			    size_t nargs, struct tmpl_value **result)
{
	struct semver v;
	struct semver_constraints *c = semver_constraints_parse(STR(args[0]),
								call->err);
	if (!c)
		return -1;
	if (semver_parse(STR(args[1]), &v, call->err) < 0) {
		semver_constraints_free(c);
		return -1;
	}
	*result = tmpl_bool(semver_constraints_check(c, &v));
	semver_release(&v);
	semver_constraints_free(c);
	return 0;
}

/* ---- network ---- */

static int f_get_host_by_name(struct tmpl_call *call, struct tmpl_value **args,
			      size_t nargs, struct tmpl_value **result)
{
	struct addrinfo hints, *res = NULL;
	char buf[INET6_ADDRSTRLEN];
	const char *addr = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(STR(args[0]), NULL, &hints, &res) == 0 && res) {
		if (res->ai_family == AF_INET)
			addr = inet_ntop(AF_INET,
					 &((struct sockaddr_in *)res->ai_addr)->sin_addr,
					 buf, sizeof(buf));
		else if (res->ai_family == AF_INET6)
			addr = inet_ntop(AF_INET6,
					 &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr,
					 buf, sizeof(buf));
	}
	if (res)
		freeaddrinfo(res);
	if (!addr)
		return tmpl_call_error(call, "invalid argument to Intn");
	*result = tmpl_string(addr);
	return 0;
}

const struct tmpl_func sprig_misc_funcs[] = {
	{ "all", f_all_any, "...any -> bool", 0 },
	{ "any", f_all_any, "...any -> bool", 0 },
	{ "base", f_base, "string -> string", 0 },
	{ "clean", f_clean, "string -> string", 0 },
	{ "coalesce", f_coalesce, "...any -> any", 0 },
	{ "deepEqual", f_deep_equal, "any, any -> bool", 0 },
	{ "default", f_default, "any, ...any -> any", 0 },
	{ "dir", f_dir, "string -> string", 0 },
	{ "empty", f_empty, "any -> bool", 0 },
	{ "ext", f_ext, "string -> string", 0 },
	{ "getHostByName", f_get_host_by_name, "string -> string", 0 },
	{ "hello", f_hello, " -> string", 0 },
	{ "isAbs", f_is_abs, "string -> bool", 0 },
	{ "kindIs", f_kind_is, "string, any -> bool", 0 },
	{ "kindOf", f_kind_of, "any -> string", 0 },
	{ "mustFromJson", f_must_from_json, "string -> any", 0 },
	{ "mustToJson", f_to_json, "any -> string", 0 },
	{ "mustToPrettyJson", f_to_json, "any -> string", 0 },
	{ "mustToRawJson", f_to_json, "any -> string", 0 },
	{ "osBase", f_base, "string -> string", 0 },
	{ "osClean", f_clean, "string -> string", 0 },
	{ "osDir", f_dir, "string -> string", 0 },
	{ "osExt", f_ext, "string -> string", 0 },
	{ "osIsAbs", f_is_abs, "string -> bool", 0 },
	{ "semver", f_semver, "string -> *semver.Version", 0 },
	{ "semverCompare", f_semver_compare, "string, string -> bool", 0 },
	{ "ternary", f_ternary, "any, any, bool -> any", 0 },
	{ "toPrettyJson", f_to_json, "any -> string", 0 },
	{ "toRawJson", f_to_json, "any -> string", 0 },
	{ "typeIs", f_type_is, "string, any -> bool", 0 },
	{ "typeIsLike", f_type_is, "string, any -> bool", 0 },
	{ "typeOf", f_type_of, "any -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};
