/*
 * Go struct types that Sprig functions return and templates print:
 * time.Time (now, toDate, ...) and sprig.certificate (genCA, ...). See the
 * "Go types" section of value.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/template/funcs.h"
#include "pkg/template/gotime.h"
#include "pkg/template/value.h"

/* ---- time.Time ---- */

const char *const tmpl_long_months[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};
const char *const tmpl_long_days[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday",
};

/* The civil fields of a time in its own zone. */
struct civil {
	long long year;
	int month, day, hour, min, sec, wday, yday;
};

static long long floor_div(long long a, long long b)
{
	long long q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * civil_from_days algorithm). */
static void civil_from_days(long long z, long long *y, int *m, int *d)
{
	z += 719468;
	long long era = floor_div(z, 146097);
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void to_civil(const struct tmpl_time *t, struct civil *c)
{
	static const int before[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243,
				      273, 304, 334 };
	long long local = t->sec + t->offset;
	long long days = floor_div(local, 86400);
	long long rem = local - days * 86400;
	civil_from_days(days, &c->year, &c->month, &c->day);
	c->hour = (int)(rem / 3600);
	c->min = (int)(rem % 3600 / 60);
	c->sec = (int)(rem % 60);
	c->wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
	c->yday = before[c->month - 1] + c->day +
		  (c->month > 2 && is_leap(c->year));
}

/* Go's appendInt: x zero-padded to width digits. */
static void append_int(struct strbuf *sb, long long x, int width)
{
	char buf[32];
	if (x < 0) {
		strbuf_addch(sb, '-');
		x = -x;
	}
	snprintf(buf, sizeof(buf), "%0*lld", width, x);
	strbuf_addstr(sb, buf);
}


static int has(const char *l, size_t n, size_t i, const char *s)
{
	size_t k = strlen(s);
	return n - i >= k && !memcmp(l + i, s, k);
}

void tmpl_layout_next(const char *l, size_t n, struct chunk *c)
{
	static const struct {
		const char *text;
		enum std std;
	} tz[] = {
		{ "-070000", STD_NUM_SECONDS_TZ }, { "-07:00:00", STD_NUM_COLON_SECONDS_TZ },
		{ "-0700", STD_NUM_TZ }, { "-07:00", STD_NUM_COLON_TZ },
		{ "-07", STD_NUM_SHORT_TZ },
		{ "Z070000", STD_ISO8601_SECONDS_TZ }, { "Z07:00:00", STD_ISO8601_COLON_SECONDS_TZ },
		{ "Z0700", STD_ISO8601_TZ }, { "Z07:00", STD_ISO8601_COLON_TZ },
		{ "Z07", STD_ISO8601_SHORT_TZ },
	};
	static const enum std zero_x[] = { STD_ZERO_MONTH, STD_ZERO_DAY,
					   STD_ZERO_HOUR12, STD_ZERO_MINUTE,
					   STD_ZERO_SECOND, STD_YEAR };
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c->prefix = i;
		switch (l[i]) {
		case 'J':
			if (has(l, n, i, "January")) {
				c->std = STD_LONG_MONTH, c->len = 7;
				return;
			}
			if (has(l, n, i, "Jan") &&
			    !(i + 3 < n && l[i + 3] >= 'a' && l[i + 3] <= 'z')) {
				c->std = STD_MONTH, c->len = 3;
				return;
			}
			break;
		case 'M':
			if (has(l, n, i, "Monday")) {
				c->std = STD_LONG_WEEKDAY, c->len = 6;
				return;
			}
			if (has(l, n, i, "Mon") &&
			    !(i + 3 < n && l[i + 3] >= 'a' && l[i + 3] <= 'z')) {
				c->std = STD_WEEKDAY, c->len = 3;
				return;
			}
			if (has(l, n, i, "MST")) {
				c->std = STD_TZ, c->len = 3;
				return;
			}
			break;
		case '0':
			if (i + 1 < n && l[i + 1] >= '1' && l[i + 1] <= '6') {
				c->std = zero_x[l[i + 1] - '1'], c->len = 2;
				return;
			}
			if (has(l, n, i, "002")) {
				c->std = STD_ZERO_YEARDAY, c->len = 3;
				return;
			}
			break;
		case '1':
			if (has(l, n, i, "15")) {
				c->std = STD_HOUR, c->len = 2;
				return;
			}
			c->std = STD_NUM_MONTH, c->len = 1;
			return;
		case '2':
			if (has(l, n, i, "2006")) {
				c->std = STD_LONG_YEAR, c->len = 4;
				return;
			}
			c->std = STD_DAY, c->len = 1;
			return;
		case '_':
			if (has(l, n, i, "_2")) {
				if (has(l, n, i, "_2006")) {
					/* a literal _ then the year */
					c->std = STD_LONG_YEAR, c->skip = 1;
					c->len = 4;
					return;
				}
				c->std = STD_UNDER_DAY, c->len = 2;
				return;
			}
			if (has(l, n, i, "__2")) {
				c->std = STD_UNDER_YEARDAY, c->len = 3;
				return;
			}
			break;
		case '3':
			c->std = STD_HOUR12, c->len = 1;
			return;
		case '4':
			c->std = STD_MINUTE, c->len = 1;
			return;
		case '5':
			c->std = STD_SECOND, c->len = 1;
			return;
		case 'P':
			if (has(l, n, i, "PM")) {
				c->std = STD_PM, c->len = 2;
				return;
			}
			break;
		case 'p':
			if (has(l, n, i, "pm")) {
				c->std = STD_pm, c->len = 2;
				return;
			}
			break;
		case '-':
		case 'Z':
			for (size_t k = 0; k < sizeof(tz) / sizeof(tz[0]); k++)
				if (has(l, n, i, tz[k].text)) {
					c->std = tz[k].std;
					c->len = strlen(tz[k].text);
					return;
				}
			break;
		case '.':
		case ',':
			if (i + 1 < n && (l[i + 1] == '0' || l[i + 1] == '9')) {
				char ch = l[i + 1];
				size_t j = i + 1;
				while (j < n && l[j] == ch)
					j++;
				if (!(j < n && l[j] >= '0' && l[j] <= '9')) {
					c->std = ch == '0' ? STD_FRAC0 : STD_FRAC9;
					c->digits = (int)(j - (i + 1));
					c->sep = l[i];
					c->len = j - i;
					return;
				}
			}
			break;
		}
	}
	c->prefix = n;
	c->std = STD_NONE;
}

static void append_zone(struct strbuf *sb, const struct tmpl_time *t,
			enum std std)
{
	int iso = std == STD_ISO8601_TZ || std == STD_ISO8601_COLON_TZ ||
		  std == STD_ISO8601_SECONDS_TZ || std == STD_ISO8601_SHORT_TZ ||
		  std == STD_ISO8601_COLON_SECONDS_TZ;
	int colon = std == STD_ISO8601_COLON_TZ || std == STD_NUM_COLON_TZ ||
		    std == STD_ISO8601_COLON_SECONDS_TZ ||
		    std == STD_NUM_COLON_SECONDS_TZ;
	int shortz = std == STD_NUM_SHORT_TZ || std == STD_ISO8601_SHORT_TZ;
	int seconds = std == STD_ISO8601_SECONDS_TZ ||
		      std == STD_NUM_SECONDS_TZ ||
		      std == STD_NUM_COLON_SECONDS_TZ ||
		      std == STD_ISO8601_COLON_SECONDS_TZ;
	if (t->offset == 0 && iso) {
		strbuf_addch(sb, 'Z');
		return;
	}
	int zone = t->offset / 60, abs_offset = t->offset;
	if (zone < 0) {
		strbuf_addch(sb, '-');
		zone = -zone;
		abs_offset = -abs_offset;
	} else {
		strbuf_addch(sb, '+');
	}
	append_int(sb, zone / 60, 2);
	if (colon)
		strbuf_addch(sb, ':');
	if (!shortz)
		append_int(sb, zone % 60, 2);
	if (seconds) {
		if (std == STD_NUM_COLON_SECONDS_TZ ||
		    std == STD_ISO8601_COLON_SECONDS_TZ)
			strbuf_addch(sb, ':');
		append_int(sb, abs_offset % 60, 2);
	}
}

static void append_nano(struct strbuf *sb, int nsec, const struct chunk *c)
{
	int trim = c->std == STD_FRAC9;
	int n = c->digits > 9 ? 9 : c->digits;
	char buf[16];
	if (trim && (n == 0 || nsec == 0))
		return;
	snprintf(buf, sizeof(buf), "%09d", nsec);
	buf[n] = '\0';
	if (trim) {
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (!n)
			return;
	}
	strbuf_addch(sb, c->sep);
	strbuf_addstr(sb, buf);
}

void tmpl_time_format(struct strbuf *out, const struct tmpl_time *t,
		      const char *layout, size_t n)
{
	struct civil cv;
	struct chunk c;
	to_civil(t, &cv);
	while (n > 0) {
		tmpl_layout_next(layout, n, &c);
		strbuf_add(out, layout, c.prefix + c.skip);
		if (c.std == STD_NONE)
			break;
		layout += c.prefix + c.skip + c.len;
		n -= c.prefix + c.skip + c.len;
		int hr12 = cv.hour % 12 ? cv.hour % 12 : 12;
		switch (c.std) {
		case STD_YEAR: append_int(out, (cv.year % 100 + 100) % 100, 2); break;
		case STD_LONG_YEAR: append_int(out, cv.year, 4); break;
		case STD_MONTH: strbuf_add(out, tmpl_long_months[cv.month - 1], 3); break;
		case STD_LONG_MONTH: strbuf_addstr(out, tmpl_long_months[cv.month - 1]); break;
		case STD_NUM_MONTH: append_int(out, cv.month, 0); break;
		case STD_ZERO_MONTH: append_int(out, cv.month, 2); break;
		case STD_WEEKDAY: strbuf_add(out, tmpl_long_days[cv.wday], 3); break;
		case STD_LONG_WEEKDAY: strbuf_addstr(out, tmpl_long_days[cv.wday]); break;
		case STD_DAY: append_int(out, cv.day, 0); break;
		case STD_UNDER_DAY:
			if (cv.day < 10)
				strbuf_addch(out, ' ');
			append_int(out, cv.day, 0);
			break;
		case STD_ZERO_DAY: append_int(out, cv.day, 2); break;
		case STD_UNDER_YEARDAY:
			if (cv.yday < 100)
				strbuf_addch(out, ' ');
			if (cv.yday < 10)
				strbuf_addch(out, ' ');
			append_int(out, cv.yday, 0);
			break;
		case STD_ZERO_YEARDAY: append_int(out, cv.yday, 3); break;
		case STD_HOUR: append_int(out, cv.hour, 2); break;
		case STD_HOUR12: append_int(out, hr12, 0); break;
		case STD_ZERO_HOUR12: append_int(out, hr12, 2); break;
		case STD_MINUTE: append_int(out, cv.min, 0); break;
		case STD_ZERO_MINUTE: append_int(out, cv.min, 2); break;
		case STD_SECOND: append_int(out, cv.sec, 0); break;
		case STD_ZERO_SECOND: append_int(out, cv.sec, 2); break;
		case STD_PM: strbuf_addstr(out, cv.hour >= 12 ? "PM" : "AM"); break;
		case STD_pm: strbuf_addstr(out, cv.hour >= 12 ? "pm" : "am"); break;
		case STD_TZ:
			if (t->zone[0]) {
				strbuf_addstr(out, t->zone);
			} else {
				/* no abbreviation: Go prints -0700 */
				int zone = t->offset / 60;
				strbuf_addch(out, zone < 0 ? '-' : '+');
				if (zone < 0)
					zone = -zone;
				append_int(out, zone / 60, 2);
				append_int(out, zone % 60, 2);
			}
			break;
		case STD_FRAC0:
		case STD_FRAC9:
			append_nano(out, t->nsec, &c);
			break;
		default:
			append_zone(out, t, c.std);
		}
	}
}

static void time_string(struct strbuf *out, const struct tmpl_value *self)
{
	const struct tmpl_time *t = self->u.obj.data;
	static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";
	tmpl_time_format(out, t, layout, sizeof(layout) - 1);
	if (t->has_mono) {
		/* the monotonic clock reading, as m=±s.nnnnnnnnn */
		unsigned long long m = t->mono < 0 ? -(unsigned long long)t->mono
						   : (unsigned long long)t->mono;
		strbuf_addf(out, " m=%c%llu.%09llu", t->mono < 0 ? '-' : '+',
			    m / 1000000000ULL, m % 1000000000ULL);
	}
}

static int time_equal(const struct tmpl_value *a, const struct tmpl_value *b)
{
	const struct tmpl_time *x = a->u.obj.data, *y = b->u.obj.data;
	return x->sec == y->sec && x->nsec == y->nsec &&
	       x->offset == y->offset && !strcmp(x->zone, y->zone) &&
	       x->has_mono == y->has_mono && x->mono == y->mono;
}

static json_t *time_json(const struct tmpl_value *self)
{
	static const char layout[] = "2006-01-02T15:04:05.999999999Z07:00";
	struct strbuf sb = STRBUF_INIT;
	tmpl_time_format(&sb, self->u.obj.data, layout, sizeof(layout) - 1);
	json_t *j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

static const struct tmpl_time *self_time(struct tmpl_call *call)
{
	return call->self->u.obj.data;
}

static int m_unix(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_int64(self_time(call)->sec);
	return 0;
}

static int m_unix_nano(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_time *t = self_time(call);
	*result = tmpl_int64(t->sec * 1000000000LL + t->nsec);
	return 0;
}

/* The int-valued calendar methods, by name. */
static int m_civil(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct civil c;
	const struct tmpl_time *t = self_time(call);
	long long v = 0;
	to_civil(t, &c);
	if (!strcmp(call->name, "Year"))
		v = c.year;
	else if (!strcmp(call->name, "YearDay"))
		v = c.yday;
	else if (!strcmp(call->name, "Day"))
		v = c.day;
	else if (!strcmp(call->name, "Hour"))
		v = c.hour;
	else if (!strcmp(call->name, "Minute"))
		v = c.min;
	else if (!strcmp(call->name, "Second"))
		v = c.sec;
	else if (!strcmp(call->name, "Nanosecond"))
		v = t->nsec;
	*result = tmpl_int(v);
	return 0;
}

static int m_is_zero(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_time *t = self_time(call);
	/* the zero Time is January 1, year 1, 00:00:00 UTC */
	*result = tmpl_bool(t->sec == -62135596800LL && t->nsec == 0);
	return 0;
}

static int m_utc(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_time *t = self_time(call);
	*result = tmpl_time_new(t->sec, t->nsec, 0, "UTC");
	return 0;
}

static int m_format(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_time_format(&sb, self_time(call), args[0]->u.str.s,
			 args[0]->u.str.len);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int m_string(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	call->self->u.obj.cls->string(&sb, call->self);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static const struct tmpl_func time_methods[] = {
	{ "Day", m_civil, " -> int", 0 },
	{ "Format", m_format, "string -> string", 0 },
	{ "Hour", m_civil, " -> int", 0 },
	{ "IsZero", m_is_zero, " -> bool", 0 },
	{ "Minute", m_civil, " -> int", 0 },
	{ "Nanosecond", m_civil, " -> int", 0 },
	{ "Second", m_civil, " -> int", 0 },
	{ "String", m_string, " -> string", 0 },
	{ "UTC", m_utc, " -> time.Time", 0 },
	{ "Unix", m_unix, " -> int64", 0 },
	{ "UnixNano", m_unix_nano, " -> int64", 0 },
	{ "Year", m_civil, " -> int", 0 },
	{ "YearDay", m_civil, " -> int", 0 },
	{ NULL, NULL, NULL, 0 },
};

const struct tmpl_class tmpl_time_class = {
	"time.Time", "struct", NULL, NULL, time_methods, time_string,
	time_equal, time_json, free,
};

struct tmpl_value *tmpl_time_new(long long sec, int nsec, int offset,
				 const char *zone)
{
	struct tmpl_time *t = xcalloc(1, sizeof(*t));
	t->sec = sec;
	t->nsec = nsec;
	t->offset = offset;
	snprintf(t->zone, sizeof(t->zone), "%s", zone ? zone : "");
	return tmpl_object_new(&tmpl_time_class, t);
}

struct tmpl_value *tmpl_time_new_mono(long long sec, int nsec, int offset,
				      const char *zone, long long mono)
{
	struct tmpl_value *v = tmpl_time_new(sec, nsec, offset, zone);
	struct tmpl_time *t = v->u.obj.data;
	t->has_mono = 1;
	t->mono = mono;
	return v;
}

const struct tmpl_time *tmpl_time_get(const struct tmpl_value *v)
{
	if (!v || v->kind != TMPL_OBJECT || v->u.obj.cls != &tmpl_time_class)
		return NULL;
	return v->u.obj.data;
}

/* ---- sprig.certificate ---- */

struct certificate {
	struct tmpl_value *cert, *key;
};

static const char *const cert_fields[] = { "Cert", "Key", NULL };

static struct tmpl_value *cert_field(const struct tmpl_value *self, size_t i)
{
	const struct certificate *c = self->u.obj.data;
	return tmpl_ref(i == 0 ? c->cert : c->key);
}

static int cert_equal(const struct tmpl_value *a, const struct tmpl_value *b)
{
	const struct certificate *x = a->u.obj.data, *y = b->u.obj.data;
	return x->cert->u.str.len == y->cert->u.str.len &&
	       x->key->u.str.len == y->key->u.str.len &&
	       !memcmp(x->cert->u.str.s, y->cert->u.str.s, x->cert->u.str.len) &&
	       !memcmp(x->key->u.str.s, y->key->u.str.s, x->key->u.str.len);
}

static void cert_free(void *data)
{
	struct certificate *c = data;
	tmpl_unref(c->cert);
	tmpl_unref(c->key);
	free(c);
}

const struct tmpl_class tmpl_certificate_class = {
	"sprig.certificate", "struct", cert_fields, cert_field, NULL, NULL,
	cert_equal, NULL, cert_free,
};

struct tmpl_value *tmpl_certificate_new(const char *cert, size_t cert_len,
					const char *key, size_t key_len)
{
	struct certificate *c = xmalloc(sizeof(*c));
	c->cert = tmpl_stringn(cert, cert_len);
	c->key = tmpl_stringn(key, key_len);
	return tmpl_object_new(&tmpl_certificate_class, c);
}
