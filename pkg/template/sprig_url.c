/*
 * Sprig's urlParse and urlJoin, with Go's net/url rules: url.Parse (scheme,
 * opaque, authority with userinfo and host, path and fragment unescaped,
 * raw query kept) and URL.String (each part escaped as Go escapes it).
 *
 *   urlParse "https://user:pw@example.com:8080/a%20b?q=1#top"
 *     -> dict fragment:top host:example.com:8080 hostname:example.com
 *        opaque: path:/a b query:q=1 scheme:https userinfo:user:pw
 *   urlJoin (dict "scheme" "https" "host" "x.org" "path" "/a b")
 *     -> https://x.org/a%20b
 */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/template/sprig.h"
#include "pkg/template/utf8.h"

enum encoding { ENC_PATH, ENC_HOST, ENC_ZONE, ENC_USER, ENC_FRAGMENT };

struct url {
	struct strbuf scheme, opaque, user, password, host, path, query,
		fragment;
	int has_user, has_password;
};

static void url_release(struct url *u)
{
	strbuf_release(&u->scheme);
	strbuf_release(&u->opaque);
	strbuf_release(&u->user);
	strbuf_release(&u->password);
	strbuf_release(&u->host);
	strbuf_release(&u->path);
	strbuf_release(&u->query);
	strbuf_release(&u->fragment);
}

static int alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* net/url's shouldEscape */
static int should_escape(unsigned char c, enum encoding mode)
{
	if (alnum(c))
		return 0;
	if ((mode == ENC_HOST || mode == ENC_ZONE) &&
	    strchr("!$&'()*+,;=:[]<>\"", c) && c)
		return 0;
	if (c == '-' || c == '_' || c == '.' || c == '~')
		return 0;
	if (c && strchr("$&+,/:;=?@", c)) {
		switch (mode) {
		case ENC_PATH:
			return c == '?';
		case ENC_USER:
			return c == '@' || c == '/' || c == '?' || c == ':';
		case ENC_FRAGMENT:
			return 0;
		default:
			break;
		}
	}
	if (mode == ENC_FRAGMENT && (c == '!' || c == '(' || c == ')' || c == '*'))
		return 0;
	return 1;
}

static void escape(struct strbuf *out, const char *s, size_t n,
		   enum encoding mode)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (should_escape(c, mode)) {
			strbuf_addch(out, '%');
			strbuf_addch(out, hex[c >> 4]);
			strbuf_addch(out, hex[c & 15]);
		} else {
			strbuf_addch(out, (char)c);
		}
	}
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int unhex(unsigned char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* net/url's unescape; on error err holds Go's message. */
static int unescape(struct strbuf *out, const char *s, size_t n,
		    enum encoding mode, struct gerr *err)
{
	struct strbuf q = STRBUF_INIT;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n || !is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2])) {
				size_t k = n - i > 3 ? 3 : n - i;
				tmpl_quote(&q, s + i, k);
				gerr_set(err, "invalid URL escape %s", q.buf);
				strbuf_release(&q);
				return -1;
			}
			int v = unhex((unsigned char)s[i + 1]) << 4 |
				unhex((unsigned char)s[i + 2]);
			int pct25 = s[i + 1] == '2' && s[i + 2] == '5';
			if ((mode == ENC_HOST && unhex((unsigned char)s[i + 1]) < 8 &&
			     !pct25) ||
			    (mode == ENC_ZONE && !pct25 && v != ' ' &&
			     should_escape((unsigned char)v, ENC_HOST))) {
				tmpl_quote(&q, s + i, 3);
				gerr_set(err, "invalid URL escape %s", q.buf);
				strbuf_release(&q);
				return -1;
			}
			strbuf_addch(out, (char)v);
			i += 3;
			continue;
		}
		if ((mode == ENC_HOST || mode == ENC_ZONE) && c < 0x80 &&
		    should_escape(c, mode)) {
			tmpl_quote(&q, s + i, 1);
			gerr_set(err, "invalid character %s in host name", q.buf);
			strbuf_release(&q);
			return -1;
		}
		strbuf_addch(out, (char)c);
		i++;
	}
	return 0;
}

static int valid_optional_port(const char *p, size_t n)
{
	if (!n)
		return 1;
	if (p[0] != ':')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static const char *last_of(const char *s, size_t n, char c)
{
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == c)
			return s + i - 1;
	return NULL;
}

static int bad_port(const char *p, size_t n, struct gerr *err)
{
	struct strbuf q = STRBUF_INIT;
	tmpl_quote(&q, p, n);
	gerr_set(err, "invalid port %s after host", q.buf);
	strbuf_release(&q);
	return -1;
}

static int parse_host(struct url *u, const char *h, size_t n,
		      struct gerr *err)
{
	if (n && h[0] == '[') {
		const char *close = last_of(h, n, ']');
		if (!close)
			return gerr_set(err, "missing ']' in host");
		size_t i = (size_t)(close - h);
		if (!valid_optional_port(close + 1, n - i - 1))
			return bad_port(close + 1, n - i - 1, err);
		const char *zone = memmem(h, i, "%25", 3);
		if (zone) {
			size_t z = (size_t)(zone - h);
			return unescape(&u->host, h, z, ENC_HOST, err) < 0 ||
			       unescape(&u->host, h + z, i - z, ENC_ZONE, err) < 0 ||
			       unescape(&u->host, h + i, n - i, ENC_HOST, err) < 0
				       ? -1 : 0;
		}
	} else {
		const char *colon = last_of(h, n, ':');
		if (colon && !valid_optional_port(colon, n - (size_t)(colon - h)))
			return bad_port(colon, n - (size_t)(colon - h), err);
	}
	return unescape(&u->host, h, n, ENC_HOST, err);
}

static int valid_userinfo(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!alnum(c) && !strchr("-._:~!$&'()*+,;=%@", c))
			return 0;
		if (!c)
			return 0;
	}
	return 1;
}

static int parse_authority(struct url *u, const char *a, size_t n,
			   struct gerr *err)
{
	const char *at = last_of(a, n, '@');
	size_t hs = at ? (size_t)(at - a) + 1 : 0;
	if (parse_host(u, a + hs, n - hs, err) < 0)
		return -1;
	if (!at)
		return 0;
	size_t un = (size_t)(at - a);
	if (!valid_userinfo(a, un))
		return gerr_set(err, "net/url: invalid userinfo");
	const char *colon = memchr(a, ':', un);
	u->has_user = 1;
	if (!colon)
		return unescape(&u->user, a, un, ENC_USER, err);
	u->has_password = 1;
	if (unescape(&u->user, a, (size_t)(colon - a), ENC_USER, err) < 0)
		return -1;
	return unescape(&u->password, colon + 1, un - (size_t)(colon - a) - 1,
			ENC_USER, err);
}

/* getScheme: letters, then letters, digits, + - . up to a colon. */
static int get_scheme(const char *s, size_t n, size_t *len, struct gerr *err)
{
	*len = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			continue;
		if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
			if (i == 0)
				return 0;
			continue;
		}
		if (c == ':') {
			if (i == 0)
				return gerr_set(err, "missing protocol scheme");
			*len = i;
			return 0;
		}
		return 0;
	}
	return 0;
}

static int parse_rest(struct url *u, const char *s, size_t n,
		      struct gerr *err)
{
	size_t slen;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return gerr_set(err, "net/url: invalid control "
					     "character in URL");
	if (n == 1 && s[0] == '*') {
		strbuf_addch(&u->path, '*');
		return 0;
	}
	if (get_scheme(s, n, &slen, err) < 0)
		return -1;
	for (size_t i = 0; i < slen; i++)
		strbuf_addch(&u->scheme, (char)((s[i] >= 'A' && s[i] <= 'Z')
						? s[i] + 32 : s[i]));
	if (slen) {
		s += slen + 1;
		n -= slen + 1;
	}
	/* a single trailing '?' is ForceQuery: dropped from the parts */
	const char *q = memchr(s, '?', n);
	if (q) {
		strbuf_add(&u->query, q + 1, n - (size_t)(q - s) - 1);
		n = (size_t)(q - s);
	}
	if (!n || s[0] != '/') {
		if (slen) {
			strbuf_add(&u->opaque, s, n);
			return 0;
		}
		size_t seg = memchr(s, '/', n) ? (size_t)((const char *)memchr(s, '/', n) - s) : n;
		if (memchr(s, ':', seg))
			return gerr_set(err, "first path segment in URL cannot "
					     "contain colon");
	}
	if ((slen || !(n >= 3 && !memcmp(s, "///", 3))) && n >= 2 &&
	    !memcmp(s, "//", 2)) {
		const char *a = s + 2, *slash = memchr(a, '/', n - 2);
		size_t an = slash ? (size_t)(slash - a) : n - 2;
		if (parse_authority(u, a, an, err) < 0)
			return -1;
		s = a + an;
		n = slash ? n - 2 - an : 0;
	}
	return unescape(&u->path, s, n, ENC_PATH, err);
}

/* url.Parse; errors read as Go's *url.Error: parse "URL": REASON (the URL
 * without its fragment, unless the fragment is what is wrong). */
static int url_parse(struct url *u, const char *s, size_t n, struct gerr *err)
{
	struct strbuf q = STRBUF_INIT;
	const char *hash = memchr(s, '#', n);
	size_t un = hash ? (size_t)(hash - s) : n;
	if (parse_rest(u, s, un, err) < 0) {
		tmpl_quote(&q, s, un);
	} else if (hash && unescape(&u->fragment, hash + 1, n - un - 1,
				    ENC_FRAGMENT, err) < 0) {
		tmpl_quote(&q, s, n);
	} else {
		return 0;
	}
	gerr_prefix(err, "parse %s", q.buf);
	strbuf_release(&q);
	return -1;
}

static void user_string(struct strbuf *out, const struct url *u)
{
	escape(out, u->user.buf, u->user.len, ENC_USER);
	if (u->has_password) {
		strbuf_addch(out, ':');
		escape(out, u->password.buf, u->password.len, ENC_USER);
	}
}

/* URL.String */
static void url_string(struct strbuf *out, const struct url *u)
{
	if (u->scheme.len) {
		strbuf_add(out, u->scheme.buf, u->scheme.len);
		strbuf_addch(out, ':');
	}
	if (u->opaque.len) {
		strbuf_add(out, u->opaque.buf, u->opaque.len);
	} else {
		struct strbuf path = STRBUF_INIT;
		if (u->scheme.len || u->host.len || u->has_user) {
			if (u->host.len || u->path.len || u->has_user)
				strbuf_addstr(out, "//");
			if (u->has_user) {
				user_string(out, u);
				strbuf_addch(out, '@');
			}
			escape(out, u->host.buf, u->host.len, ENC_HOST);
		}
		if (u->path.len == 1 && u->path.buf[0] == '*')
			strbuf_addch(&path, '*');
		else
			escape(&path, u->path.buf, u->path.len, ENC_PATH);
		if (path.len && path.buf[0] != '/' && u->host.len)
			strbuf_addch(out, '/');
		if (!out->len) {
			/* "./this:that": a colon in the first segment of a
			 * relative path would read as a scheme */
			const char *slash = memchr(path.buf, '/', path.len);
			size_t seg = slash ? (size_t)(slash - path.buf) : path.len;
			if (memchr(path.buf, ':', seg))
				strbuf_addstr(out, "./");
		}
		strbuf_add(out, path.buf, path.len);
		strbuf_release(&path);
	}
	if (u->query.len) {
		strbuf_addch(out, '?');
		strbuf_add(out, u->query.buf, u->query.len);
	}
	if (u->fragment.len) {
		strbuf_addch(out, '#');
		escape(out, u->fragment.buf, u->fragment.len, ENC_FRAGMENT);
	}
}

static void set(struct tmpl_value *d, const char *key, const struct strbuf *v)
{
	tmpl_map_set(d, key, tmpl_stringn(v->buf, v->len));
}

static int f_url_parse(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	struct url u;
	struct strbuf sb = STRBUF_INIT;
	struct tmpl_value *d;
	memset(&u, 0, sizeof(u));
	if (url_parse(&u, args[0]->u.str.s, args[0]->u.str.len, call->err) < 0) {
		gerr_prefix(call->err, "unable to parse url");
		url_release(&u);
		return -1;
	}
	d = tmpl_map_new(TMPL_NIL);
	set(d, "fragment", &u.fragment);
	set(d, "host", &u.host);
	/* Hostname(): the host without its port and brackets */
	{
		const char *h = u.host.buf ? u.host.buf : "";
		size_t n = u.host.len;
		const char *colon = last_of(h, n, ':');
		if (colon && valid_optional_port(colon, n - (size_t)(colon - h)))
			n = (size_t)(colon - h);
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			h++;
			n -= 2;
		}
		strbuf_add(&sb, h, n);
		set(d, "hostname", &sb);
	}
	set(d, "opaque", &u.opaque);
	set(d, "path", &u.path);
	set(d, "query", &u.query);
	set(d, "scheme", &u.scheme);
	strbuf_reset(&sb);
	if (u.has_user)
		user_string(&sb, &u);
	set(d, "userinfo", &sb);
	strbuf_release(&sb);
	url_release(&u);
	*result = d;
	return 0;
}

/* Sprig's dictGetOrEmpty: a missing key is "", a non-string a failure. */
static int dict_string(struct tmpl_call *call, const struct tmpl_value *d,
		       const char *key, struct strbuf *out)
{
	const struct tmpl_value *v = tmpl_map_get(d, key);
	if (!v)
		return 0;
	if (v->kind == TMPL_NIL)
		return sprig_nil_panic(call);
	if (v->kind != TMPL_STRING)
		return tmpl_call_error(call, "unable to parse %s key, must be of "
					     "type string, but %s found", key,
				       tmpl_kind_name(v));
	strbuf_add(out, v->u.str.s, v->u.str.len);
	return 0;
}

static int f_url_join(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	struct url u, tmp;
	struct strbuf userinfo = STRBUF_INIT, sb = STRBUF_INIT;
	const struct tmpl_value *d = args[0];
	int rc = -1;

	memset(&u, 0, sizeof(u));
	memset(&tmp, 0, sizeof(tmp));
	if (dict_string(call, d, "scheme", &u.scheme) < 0 ||
	    dict_string(call, d, "host", &u.host) < 0 ||
	    dict_string(call, d, "path", &u.path) < 0 ||
	    dict_string(call, d, "query", &u.query) < 0 ||
	    dict_string(call, d, "opaque", &u.opaque) < 0 ||
	    dict_string(call, d, "fragment", &u.fragment) < 0 ||
	    dict_string(call, d, "userinfo", &userinfo) < 0)
		goto done;
	if (userinfo.len) {
		/* Sprig parses "proto://USERINFO@host" to split it */
		strbuf_addf(&sb, "proto://%s@host", userinfo.buf);
		if (url_parse(&tmp, sb.buf, sb.len, call->err) < 0) {
			gerr_prefix(call->err, "unable to parse userinfo in dict");
			goto done;
		}
		u.has_user = tmp.has_user;
		u.has_password = tmp.has_password;
		strbuf_add(&u.user, tmp.user.buf, tmp.user.len);
		strbuf_add(&u.password, tmp.password.buf, tmp.password.len);
	}
	strbuf_reset(&sb);
	url_string(&sb, &u);
	*result = tmpl_string_buf(&sb);
	rc = 0;
done:
	strbuf_release(&sb);
	strbuf_release(&userinfo);
	url_release(&u);
	url_release(&tmp);
	return rc;
}

const struct tmpl_func sprig_url_funcs[] = {
	{ "urlJoin", f_url_join, "map[string]interface {} -> string", 0 },
	{ "urlParse", f_url_parse, "string -> map[string]interface {}", 0 },
	{ NULL, NULL, NULL, 0 },
};
