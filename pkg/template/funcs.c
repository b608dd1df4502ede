/*
 * Function sets and signatures: see funcs.h.
 */
#include "pkg/template/funcs.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"

extern const struct tmpl_func tmpl_builtin_funcs[];

/* A function with its signature parsed once, when it is added. */
struct entry {
	const struct tmpl_func *fn;
	struct tmpl_sig sig;
};

struct tmpl_funcs {
	struct entry *v;                /* sorted by name */
	size_t nr, alloc;
};

int tmpl_call_error(struct tmpl_call *call, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	gerr_set(call->err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* ---- signatures ---- */

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Spell a type as Go prints it: "any" is "interface {}". */
static int normalize_type(const char *s, size_t len, char *out, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < len;) {
		if (len - i >= 3 && !memcmp(s + i, "any", 3) &&
		    (i == 0 || !ident_char(s[i - 1])) &&
		    (i + 3 == len || !ident_char(s[i + 3]))) {
			strbuf_addstr(&sb, "interface {}");
			i += 3;
		} else {
			strbuf_addch(&sb, s[i++]);
		}
	}
	if (sb.len == 5 && !strcmp(sb.buf, "value")) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "reflect.Value");
	}
	int ok = sb.len > 0 && sb.len < size;
	if (ok)
		memcpy(out, sb.buf, sb.len + 1);
	strbuf_release(&sb);
	return ok ? 0 : -1;
}

static void classify(struct tmpl_param *p)
{
	static const struct {
		const char *type;
		enum tmpl_param_kind kind;
	} basic[] = {
		{ "interface {}", TMPL_P_ANY }, { "reflect.Value", TMPL_P_VALUE },
		{ "bool", TMPL_P_BOOL },        { "int", TMPL_P_INT },
		{ "int64", TMPL_P_INT },        { "uint32", TMPL_P_UINT },
		{ "float64", TMPL_P_FLOAT },    { "string", TMPL_P_STRING },
	};
	p->kind = TMPL_P_OTHER;
	for (size_t i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
		if (!strcmp(p->type, basic[i].type))
			p->kind = basic[i].kind;
	p->can_be_nil = p->kind == TMPL_P_ANY || p->kind == TMPL_P_VALUE ||
			!strncmp(p->type, "[]", 2) ||
			!strncmp(p->type, "map[", 4) || p->type[0] == '*';
}

static int parse_param(const char *s, size_t len, struct tmpl_param *p)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (normalize_type(s, len, p->type, sizeof(p->type)) < 0)
		return -1;
	classify(p);
	return 0;
}

int tmpl_sig_parse(const char *sig, struct tmpl_sig *out, struct gerr *err)
{
	const char *arrow = strstr(sig, "->");
	size_t plen = arrow ? (size_t)(arrow - sig) : strlen(sig);
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < plen && isspace((unsigned char)sig[i]))
		i++;
	while (i < plen) {
		const char *comma = memchr(sig + i, ',', plen - i);
		size_t end = comma ? (size_t)(comma - sig) : plen;
		const char *s = sig + i;
		size_t len = end - i;
		while (len && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		if (out->variadic)
			return gerr_set(err, "signature \"%s\": \"...\" must be "
					     "the last parameter", sig);
		if (len >= 3 && !memcmp(s, "...", 3)) {
			out->variadic = 1;
			s += 3;
			len -= 3;
		}
		if (out->nin == TMPL_MAX_PARAMS)
			return gerr_set(err, "signature \"%s\": more than %d "
					     "parameters", sig, TMPL_MAX_PARAMS);
		if (parse_param(s, len, &out->in[out->nin]) < 0)
			return gerr_set(err, "signature \"%s\": bad parameter "
					     "type", sig);
		out->nin++;
		i = comma ? end + 1 : plen;
	}
	if (arrow) {
		const char *r = arrow + 2;
		if (parse_param(r, strlen(r), &out->out) < 0)
			return gerr_set(err, "signature \"%s\": bad result "
					     "type", sig);
	} else {
		parse_param("any", 3, &out->out);
	}
	return 0;
}

int tmpl_param_accepts(const struct tmpl_param *p, const struct tmpl_value *v)
{
	const char *u;
	if (p->kind == TMPL_P_ANY || p->kind == TMPL_P_VALUE)
		return 1;
	if (!v || v->kind == TMPL_NIL)
		return 0;
	if (!strcmp(tmpl_type_name(v), p->type))
		return 1;
	/* assignable when the underlying types are identical and one of
	 * the two is unnamed: chartutil.Values to map[string]interface {} */
	u = tmpl_underlying_type_name(v);
	return !strcmp(u, p->type);
}

/* ---- sets ---- */

static long find(const struct tmpl_funcs *fs, const char *name)
{
	size_t lo = 0, hi = fs->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(fs->v[mid].fn->name, name);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

int tmpl_funcs_add(struct tmpl_funcs *fs, const struct tmpl_func *table,
		   struct gerr *err)
{
	for (const struct tmpl_func *f = table; f->name; f++) {
		struct tmpl_sig sig;
		if (!f->fn || !f->sig)
			return gerr_set(err, "function %s: no implementation "
					     "or signature", f->name);
		if (tmpl_sig_parse(f->sig, &sig, err) < 0)
			return gerr_prefix(err, "function %s", f->name);
		long i = find(fs, f->name);
		if (i >= 0) {
			fs->v[i].fn = f;
			fs->v[i].sig = sig;
			continue;
		}
		size_t at = (size_t)(-i - 1);
		ALLOC_GROW(fs->v, fs->nr + 1, fs->alloc);
		memmove(fs->v + at + 1, fs->v + at,
			(fs->nr - at) * sizeof(*fs->v));
		fs->v[at].fn = f;
		fs->v[at].sig = sig;
		fs->nr++;
	}
	return 0;
}

struct tmpl_funcs *tmpl_funcs_new(void)
{
	struct tmpl_funcs *fs = xcalloc(1, sizeof(*fs));
	/* the builtin table is ours and well-formed: this cannot fail */
	tmpl_funcs_add(fs, tmpl_builtin_funcs, NULL);
	return fs;
}

int tmpl_funcs_add_library(struct tmpl_funcs *fs, struct gerr *err)
{
	for (size_t i = 0; tmpl_library[i]; i++)
		if (tmpl_funcs_add(fs, tmpl_library[i], err) < 0)
			return -1;
	return 0;
}

void tmpl_funcs_remove(struct tmpl_funcs *fs, const char *name)
{
	long i = find(fs, name);
	if (i < 0)
		return;
	memmove(fs->v + i, fs->v + i + 1,
		(fs->nr - (size_t)i - 1) * sizeof(*fs->v));
	fs->nr--;
}

const struct tmpl_func *tmpl_funcs_find(const struct tmpl_funcs *fs,
					const char *name)
{
	long i = find(fs, name);
	return i >= 0 ? fs->v[i].fn : NULL;
}

const struct tmpl_sig *tmpl_funcs_sig(const struct tmpl_funcs *fs,
				      const char *name)
{
	long i = find(fs, name);
	return i >= 0 ? &fs->v[i].sig : NULL;
}

size_t tmpl_funcs_count(const struct tmpl_funcs *fs)
{
	return fs->nr;
}

void tmpl_funcs_free(struct tmpl_funcs *fs)
{
	if (!fs)
		return;
	free(fs->v);
	free(fs);
}
