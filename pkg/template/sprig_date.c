/*
 * Sprig's dates: now date dateInZone date_in_zone htmlDate htmlDateInZone
 * toDate mustToDate dateModify date_modify mustDateModify must_date_modify
 * ago duration durationRound unixEpoch.
 *
 * With the parts of Go's time package they stand on: time zones from the
 * tz database (TZif files and their POSIX TZ rule for later years, as
 * time.LoadLocation reads them; "Local" is $TZ or /etc/localtime),
 * time.ParseInLocation with its error messages, and durations
 * (ParseDuration, Duration.String, Round).
 *
 * As in Sprig, date and its kin take a time.Time or a Unix time as an
 * int or int64 — any other value (a float64 from a values file, a string)
 * means "now"; an unknown zone name means UTC.
 *
 * A time.Time here keeps the offset it was made with: dateModify adds to
 * the instant without looking up the zone again (Go would move to the
 * zone's other offset when the change crosses a daylight-saving switch;
 * date and dateInZone, which convert before formatting, agree with Go).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/template/gotime.h"
#include "pkg/template/sprig.h"

#define STR(v) ((v)->u.str.s)
#define LEN(v) ((v)->u.str.len)

#define SECS_PER_DAY 86400LL
#define NS_PER_SEC 1000000000LL
/* Go's alpha and omega: the bounds of a zone period without end */
#define ALPHA (-1LL - 0x7FFFFFFFFFFFFFFFLL)
#define OMEGA 0x7FFFFFFFFFFFFFFFLL

/* ---- calendar ---- */

static int is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static const int days_before[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243,
				   273, 304, 334, 365 };

static int days_in(int month, long long year)
{
	if (month == 2 && is_leap(year))
		return 29;
	return days_before[month] - days_before[month - 1];
}

static long long floor_div(long long a, long long b)
{
	long long q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
static long long days_from_civil(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = floor_div(y, 400);
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The year and 0-based day of the year of a Unix time. */
static void year_day(long long sec, long long *year, int *yday)
{
	long long days = floor_div(sec, SECS_PER_DAY);
	long long z = days + 719468;
	long long era = floor_div(z, 146097);
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long y = yoe + era * 400 + (mp >= 10);
	*year = y;
	*yday = (int)(days - days_from_civil(y, 1, 1));
}

/* ---- zones (time.Location) ---- */

struct zone_type {
	int offset;
	int isdst;
	char abbr[16];
};

struct zone {
	char *name;
	struct zone_type *types;
	size_t ntypes;
	long long *when;
	unsigned char *idx;
	size_t ntx;
	char *extend;           /* the POSIX TZ rule after the last change */
	struct zone *next;
};

static struct zone utc_zone = { "UTC", NULL, 0, NULL, NULL, 0, NULL, NULL };
static struct zone *zones;      /* loaded zones, kept for the process */
static pthread_mutex_t zones_lock = PTHREAD_MUTEX_INITIALIZER;

static long long be(const unsigned char *p, int n)
{
	unsigned long long x = 0;
	for (int i = 0; i < n; i++)
		x = x << 8 | p[i];
	if (n == 4)
		return (long long)(int)(unsigned)x;
	return (long long)x;
}

/* Parse TZif data (version 2+ uses its 64-bit block). */
static struct zone *parse_tzif(const unsigned char *d, size_t n,
			       const char *name)
{
	size_t counts[6], pos = 0;
	int version, size = 4;
	struct zone *z;

	if (n < 44 || memcmp(d, "TZif", 4))
		return NULL;
	version = d[4] ? d[4] - '0' : 1;
	for (int pass = 0; pass < 2; pass++) {
		if (pos + 44 > n || memcmp(d + pos, "TZif", 4))
			return NULL;
		for (int i = 0; i < 6; i++)
			counts[i] = (size_t)be(d + pos + 20 + 4 * i, 4);
		/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
		size_t block = counts[3] * (size_t)size + counts[3] +
			       counts[4] * 6 + counts[5] +
			       counts[2] * (size_t)(size + 4) + counts[1] +
			       counts[0];
		if (pass == 0 && version >= 2) {
			pos += 44 + block;
			size = 8;
			continue;
		}
		pos += 44;
		if (pos + block > n || !counts[4])
			return NULL;
		break;
	}
	z = xcalloc(1, sizeof(*z));
	z->name = xstrdup(name);
	z->ntx = counts[3];
	z->ntypes = counts[4];
	z->when = xcalloc(z->ntx + 1, sizeof(*z->when));
	z->idx = xcalloc(z->ntx + 1, 1);
	z->types = xcalloc(z->ntypes, sizeof(*z->types));
	const unsigned char *p = d + pos;
	for (size_t i = 0; i < z->ntx; i++, p += size)
		z->when[i] = be(p, size);
	for (size_t i = 0; i < z->ntx; i++, p++)
		z->idx[i] = *p < z->ntypes ? *p : 0;
	const unsigned char *chars = p + z->ntypes * 6;
	for (size_t i = 0; i < z->ntypes; i++, p += 6) {
		size_t ai = p[5];
		z->types[i].offset = (int)be(p, 4);
		z->types[i].isdst = p[4];
		if (ai < counts[5])
			snprintf(z->types[i].abbr, sizeof(z->types[i].abbr), "%.*s",
				 (int)strnlen((const char *)chars + ai, counts[5] - ai),
				 chars + ai);
	}
	p = chars + counts[5] + counts[2] * (size_t)(size + 4) + counts[1] +
	    counts[0];
	/* the footer: "\nTZ rule\n" */
	if (version >= 2 && p < d + n && *p == '\n') {
		const unsigned char *e = memchr(p + 1, '\n', (size_t)(d + n - p - 1));
		if (e && e > p + 1)
			z->extend = xstrndup((const char *)p + 1, (size_t)(e - p - 1));
	}
	return z;
}

static struct zone *load_file(const char *path, const char *name)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t got;
	struct zone *z;
	if (!f)
		return NULL;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len < (1 << 20))
		strbuf_add(&sb, buf, got);
	fclose(f);
	z = parse_tzif((const unsigned char *)sb.buf, sb.len, name);
	strbuf_release(&sb);
	return z;
}

static struct zone *load_named(const char *name)
{
	static const char *const dirs[] = {
		"/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/",
		"/usr/lib/locale/TZ/", "/etc/zoneinfo/",
	};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *path = xasprintf("%s%s", dirs[i], name);
		struct zone *z = load_file(path, name);
		free(path);
		if (z)
			return z;
	}
	return NULL;
}

/* time.Local: $TZ ("" is UTC, ":X" is X), else /etc/localtime. */
static struct zone *load_local(void)
{
	const char *tz = getenv("TZ");
	struct zone *z = NULL;
	if (!tz)
		z = load_file("/etc/localtime", "Local");
	else if (*tz && strcmp(tz, "UTC")) {
		if (*tz == ':')
			tz++;
		z = *tz == '/' ? load_file(tz, "Local") : load_named(tz);
	}
	return z;
}

/* time.LoadLocation; NULL when the zone is unknown. Zones are read once. */
static const struct zone *zone_load(const char *name, struct gerr *err)
{
	struct zone *z;
	if (!*name || !strcmp(name, "UTC"))
		return &utc_zone;
	if (strcmp(name, "Local") &&
	    (strstr(name, "..") || name[0] == '/' || name[0] == '\\')) {
		gerr_set(err, "time: invalid location name");
		return NULL;
	}
	pthread_mutex_lock(&zones_lock);
	for (z = zones; z; z = z->next)
		if (!strcmp(z->name, name))
			break;
	if (!z) {
		z = !strcmp(name, "Local") ? load_local() : load_named(name);
		if (!z && !strcmp(name, "Local")) {
			z = xcalloc(1, sizeof(*z));     /* Local falls back to UTC */
			z->name = xstrdup("Local");
		}
		if (z) {
			if (strcmp(z->name, name)) {
				free(z->name);
				z->name = xstrdup(name);
			}
			z->next = zones;
			zones = z;
		}
	}
	pthread_mutex_unlock(&zones_lock);
	if (!z)
		gerr_set(err, "unknown time zone %s", name);
	return z;
}

/* ---- POSIX TZ rules (Go's tzset) ---- */

struct rule {
	int kind;               /* 'J' Julian, 'D' day of year, 'M' month */
	int day, week, mon, time;
};

static const char *tz_name(const char *s, char *out, size_t size)
{
	size_t n = 0;
	if (*s == '<') {
		const char *e = strchr(s, '>');
		if (!e || e == s + 1)
			return NULL;
		n = (size_t)(e - s - 1);
		snprintf(out, size, "%.*s", (int)n, s + 1);
		return e + 1;
	}
	while (s[n] && !strchr("0123456789,-+", s[n]))
		n++;
	if (n < 3)
		return NULL;
	snprintf(out, size, "%.*s", (int)n, s);
	return s + n;
}

static const char *tz_num(const char *s, int *x, int max)
{
	int n = 0, any = 0;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (*s++ - '0');
		any = 1;
		if (n > max)
			return NULL;
	}
	*x = n;
	return any ? s : NULL;
}

/* [+-]hh[:mm[:ss]] in seconds */
static const char *tz_offset(const char *s, int *off)
{
	int neg = 0, h, m = 0, sec = 0;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!(s = tz_num(s, &h, 24 * 7)))
		return NULL;
	if (*s == ':' && !(s = tz_num(s + 1, &m, 59)))
		return NULL;
	if (*s == ':' && !(s = tz_num(s + 1, &sec, 59)))
		return NULL;
	*off = (h * 60 + m) * 60 + sec;
	if (neg)
		*off = -*off;
	return s;
}

static const char *tz_rule(const char *s, struct rule *r)
{
	memset(r, 0, sizeof(*r));
	if (*s == 'J') {
		r->kind = 'J';
		if (!(s = tz_num(s + 1, &r->day, 365)) || r->day < 1)
			return NULL;
	} else if (*s == 'M') {
		r->kind = 'M';
		if (!(s = tz_num(s + 1, &r->mon, 12)) || r->mon < 1 || *s != '.' ||
		    !(s = tz_num(s + 1, &r->week, 5)) || r->week < 1 || *s != '.' ||
		    !(s = tz_num(s + 1, &r->day, 6)))
			return NULL;
	} else {
		r->kind = 'D';
		if (!(s = tz_num(s, &r->day, 365)))
			return NULL;
	}
	r->time = 2 * 3600;
	if (*s == '/' && !(s = tz_offset(s + 1, &r->time)))
		return NULL;
	return s;
}

/* tzruleTime: seconds since the start of the year, in UTC. */
static long long rule_time(long long year, const struct rule *r, int off)
{
	long long s = 0;
	if (r->kind == 'J') {
		s = (long long)(r->day - 1) * SECS_PER_DAY;
		if (is_leap(year) && r->day >= 60)
			s += SECS_PER_DAY;
	} else if (r->kind == 'D') {
		s = (long long)r->day * SECS_PER_DAY;
	} else {
		/* the weekday of the first of the month, then the week */
		long long first = days_from_civil(year, r->mon, 1);
		int dow = (int)(((first % 7) + 11) % 7);
		int d = r->day - dow;
		if (d < 0)
			d += 7;
		for (int i = 1; i < r->week; i++) {
			if (d + 7 >= days_in(r->mon, year))
				break;
			d += 7;
		}
		d += days_before[r->mon - 1];
		if (is_leap(year) && r->mon > 2)
			d++;
		s = (long long)d * SECS_PER_DAY;
	}
	return s + r->time - off;
}

static int tzset_lookup(const char *s, long long last, long long sec,
			const char **abbr_out, int *off_out, long long *start,
			long long *end)
{
	static __thread char std_name[16], dst_name[16];
	int std_off, dst_off;
	struct rule sr, er;
	long long year;
	int yday;

	if (!(s = tz_name(s, std_name, sizeof(std_name))) ||
	    !(s = tz_offset(s, &std_off)))
		return 0;
	std_off = -std_off;
	if (!*s || *s == ',') {
		*abbr_out = std_name;
		*off_out = std_off;
		*start = last;
		*end = OMEGA;
		return 1;
	}
	if (!(s = tz_name(s, dst_name, sizeof(dst_name))))
		return 0;
	if (!*s || *s == ',') {
		dst_off = std_off + 3600;
	} else {
		if (!(s = tz_offset(s, &dst_off)))
			return 0;
		dst_off = -dst_off;
	}
	if (!*s)
		s = ",M3.2.0,M11.1.0";
	if (*s != ',' && *s != ';')
		return 0;
	if (!(s = tz_rule(s + 1, &sr)) || *s != ',' || !(s = tz_rule(s + 1, &er)) ||
	    *s)
		return 0;
	year_day(sec, &year, &yday);
	long long ysec = (long long)yday * SECS_PER_DAY +
			 (sec - floor_div(sec, SECS_PER_DAY) * SECS_PER_DAY);
	long long abs = days_from_civil(year, 1, 1) * SECS_PER_DAY;
	long long ss = rule_time(year, &sr, std_off);
	long long es = rule_time(year, &er, dst_off);
	const char *sn = std_name, *dn = dst_name;
	int so = std_off, dso = dst_off;
	if (es < ss) {          /* the southern hemisphere */
		long long t = ss;
		ss = es;
		es = t;
		sn = dst_name;
		dn = std_name;
		so = dst_off;
		dso = std_off;
	}
	if (ysec < ss) {
		*abbr_out = sn, *off_out = so, *start = abs, *end = ss + abs;
	} else if (ysec >= es) {
		*abbr_out = sn, *off_out = so, *start = es + abs;
		*end = abs + 365 * SECS_PER_DAY;
	} else {
		*abbr_out = dn, *off_out = dso, *start = ss + abs, *end = es + abs;
	}
	return 1;
}

/* lookupFirstZone: the zone in force before the first transition. */
static size_t first_zone(const struct zone *z)
{
	int used = 0;
	for (size_t i = 0; i < z->ntx; i++)
		if (z->idx[i] == 0)
			used = 1;
	if (!used)
		return 0;
	if (z->ntx && z->types[z->idx[0]].isdst)
		for (int i = (int)z->idx[0] - 1; i >= 0; i--)
			if (!z->types[i].isdst)
				return (size_t)i;
	for (size_t i = 0; i < z->ntypes; i++)
		if (!z->types[i].isdst)
			return i;
	return 0;
}

/* Location.lookup: the zone's abbreviation and offset at sec. */
static void zone_lookup(const struct zone *z, long long sec, const char **abbr,
			int *offset, long long *start, long long *end)
{
	size_t lo = 0, hi;
	if (!z->ntypes) {
		*abbr = "UTC", *offset = 0, *start = ALPHA, *end = OMEGA;
		return;
	}
	if (!z->ntx || sec < z->when[0]) {
		const struct zone_type *t = &z->types[first_zone(z)];
		*abbr = t->abbr, *offset = t->offset, *start = ALPHA;
		*end = z->ntx ? z->when[0] : OMEGA;
		return;
	}
	*end = OMEGA;
	hi = z->ntx;
	while (hi - lo > 1) {
		size_t m = (lo + hi) / 2;
		if (sec < z->when[m]) {
			*end = z->when[m];
			hi = m;
		} else {
			lo = m;
		}
	}
	const struct zone_type *t = &z->types[z->idx[lo]];
	*abbr = t->abbr, *offset = t->offset, *start = z->when[lo];
	if (lo == z->ntx - 1 && z->extend)
		tzset_lookup(z->extend, *start, sec, abbr, offset, start, end);
}

/* lookupName: the offset of an abbreviation in force around sec. */
static int zone_lookup_name(const struct zone *z, const char *name,
			    long long sec, int *offset)
{
	const char *a;
	long long s, e;
	int off;
	for (size_t i = 0; i < z->ntypes; i++)
		if (!strcmp(z->types[i].abbr, name)) {
			zone_lookup(z, sec - z->types[i].offset, &a, &off, &s, &e);
			if (!strcmp(a, name)) {
				*offset = off;
				return 1;
			}
		}
	for (size_t i = 0; i < z->ntypes; i++)
		if (!strcmp(z->types[i].abbr, name)) {
			*offset = z->types[i].offset;
			return 1;
		}
	return 0;
}

/* A time.Time of the instant sec.nsec shown in zone z (Time.In). */
static struct tmpl_value *time_in(long long sec, int nsec, const struct zone *z)
{
	const char *abbr;
	int off;
	long long s, e;
	zone_lookup(z, sec, &abbr, &off, &s, &e);
	return tmpl_time_new(sec, nsec, off, abbr);
}

/* time.Date: the instant of a wall-clock time in zone z. */
static long long date_in(long long y, int mo, int d, int h, int mi, int s,
			 const struct zone *z)
{
	long long unix = days_from_civil(y, mo, d) * SECS_PER_DAY +
			 h * 3600LL + mi * 60LL + s;
	const char *abbr;
	int off;
	long long start, end;
	zone_lookup(z, unix, &abbr, &off, &start, &end);
	if (off) {
		long long utc = unix - off;
		if (utc < start || utc >= end)
			zone_lookup(z, utc, &abbr, &off, &start, &end);
		unix -= off;
	}
	return unix;
}

/* ---- time.Parse ---- */

/* time's quote: non-ASCII and control bytes as \x.. */
static void tquote(struct strbuf *out, const char *s, size_t n)
{
	strbuf_addch(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || c < ' ') {
			strbuf_addf(out, "\\x%02x", c);
			continue;
		}
		if (c == '"' || c == '\\')
			strbuf_addch(out, '\\');
		strbuf_addch(out, (char)c);
	}
	strbuf_addch(out, '"');
}

struct parse_error {
	const char *layout, *value;
	size_t llen, vlen;
};

/* ParseError: `parsing time "V" as "L": cannot parse "VE" as "LE"` or
 * `parsing time "V"MESSAGE`. */
static int parse_fail(struct gerr *err, const struct parse_error *pe,
		      const char *lelem, size_t lelen, const char *velem,
		      size_t velen, const char *message)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "parsing time ");
	tquote(&sb, pe->value, pe->vlen);
	if (message) {
		strbuf_addstr(&sb, message);
		if (!strcmp(message, ": extra text: "))
			tquote(&sb, velem, velen);
	} else {
		strbuf_addstr(&sb, " as ");
		tquote(&sb, pe->layout, pe->llen);
		strbuf_addstr(&sb, ": cannot parse ");
		tquote(&sb, velem, velen);
		strbuf_addstr(&sb, " as ");
		tquote(&sb, lelem, lelen);
	}
	gerr_set(err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

struct text {
	const char *s;
	size_t n;
};

static int digit_at(struct text v, size_t i)
{
	return i < v.n && v.s[i] >= '0' && v.s[i] <= '9';
}

static void advance(struct text *v, size_t k)
{
	v->s += k;
	v->n -= k;
}

/* getnum: one or two digits (exactly two when fixed). */
static int getnum(struct text *v, int fixed, int *out)
{
	if (!digit_at(*v, 0))
		return -1;
	if (!digit_at(*v, 1)) {
		if (fixed)
			return -1;
		*out = v->s[0] - '0';
		advance(v, 1);
		return 0;
	}
	*out = (v->s[0] - '0') * 10 + (v->s[1] - '0');
	advance(v, 2);
	return 0;
}

static int getnum3(struct text *v, int fixed, int *out)
{
	int n = 0, i;
	for (i = 0; i < 3 && digit_at(*v, (size_t)i); i++)
		n = n * 10 + (v->s[i] - '0');
	if (i == 0 || (fixed && i != 3))
		return -1;
	*out = n;
	advance(v, (size_t)i);
	return 0;
}

/* time's atoi: an optional sign and digits, the whole text. */
static int tatoi(const char *s, size_t n, long long *out)
{
	int neg = 0;
	size_t i = 0;
	long long x = 0;
	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (x > (1LL << 62) / 10)
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*out = neg ? -x : x;
	return 0;
}

static int lookup_name(struct text *v, const char *const *names, int n,
		       size_t len_or_0, int *out)
{
	for (int i = 0; i < n; i++) {
		size_t k = len_or_0 ? len_or_0 : strlen(names[i]);
		if (v->n >= k && !strncasecmp(v->s, names[i], k)) {
			*out = i;
			advance(v, k);
			return 0;
		}
	}
	return -1;
}

static int skip_prefix(struct text *v, const char *p, size_t n)
{
	while (n) {
		if (*p == ' ') {
			if (v->n && v->s[0] != ' ')
				return -1;
			while (n && *p == ' ')
				p++, n--;
			while (v->n && v->s[0] == ' ')
				advance(v, 1);
			continue;
		}
		if (!v->n || v->s[0] != *p)
			return -1;
		p++, n--;
		advance(v, 1);
	}
	return 0;
}

/* parseSignedOffset: "+hh" up to 12 after GMT or alone */
static size_t signed_offset(struct text v)
{
	size_t i = 1;
	long long x = 0;
	if (!v.n || (v.s[0] != '+' && v.s[0] != '-'))
		return 0;
	while (i < v.n && v.s[i] >= '0' && v.s[i] <= '9') {
		x = x * 10 + (v.s[i] - '0');
		if (x > 1000)
			return 0;
		i++;
	}
	if (i == 1 || x > 12)
		return 0;
	return i;
}

/* parseTimeZone: how long a zone abbreviation at v is (0: none). */
static size_t time_zone_len(struct text v)
{
	size_t n;
	if (v.n < 3)
		return 0;
	if (v.n >= 4 && (!memcmp(v.s, "ChST", 4) || !memcmp(v.s, "MeST", 4)))
		return 4;
	if (!memcmp(v.s, "GMT", 3)) {
		struct text rest = { v.s + 3, v.n - 3 };
		return rest.n ? 3 + signed_offset(rest) : 3;
	}
	if (v.s[0] == '+' || v.s[0] == '-')
		return signed_offset(v);
	for (n = 0; n < 6 && n < v.n && v.s[n] >= 'A' && v.s[n] <= 'Z'; n++)
		;
	if (n == 3)
		return 3;
	if (n == 4 && (v.s[3] == 'T' || !memcmp(v.s, "WITA", 4)))
		return 4;
	if (n == 5 && v.s[4] == 'T')
		return 5;
	return 0;
}

static int parse_nanos(struct text v, size_t nbytes, int *ns, const char **range)
{
	long long x;
	if (v.s[0] != '.' && v.s[0] != ',')
		return -1;
	if (nbytes > 10)
		nbytes = 10;
	if (tatoi(v.s + 1, nbytes - 1, &x) < 0)
		return -1;
	if (x < 0) {
		*range = "fractional second";
		return 0;
	}
	for (size_t i = 0; i < 10 - nbytes; i++)
		x *= 10;
	*ns = (int)x;
	return 0;
}

struct parsed {
	long long sec;
	int nsec, offset;
	char zone[16];
};

/* time.ParseInLocation(layout, value, loc) */
static int time_parse(const char *layout, size_t llen, const char *value,
		      size_t vlen, const struct zone *loc, struct parsed *out,
		      struct gerr *err)
{
	static const char *const short_days[] = { "Sun", "Mon", "Tue", "Wed",
						  "Thu", "Fri", "Sat" };
	struct parse_error pe = { layout, value, llen, vlen };
	struct text l = { layout, llen }, v = { value, vlen };
	long long year = 0;
	int month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0;
	int nsec = 0, zone_offset = -1, am = 0, pm = 0, utc = 0;
	char zone_name[16] = "";
	struct chunk c;

	for (;;) {
		const char *range = NULL;
		int bad = 0;
		tmpl_layout_next(l.s, l.n, &c);
		size_t plen = c.prefix + c.skip;
		if (skip_prefix(&v, l.s, plen) < 0)
			return parse_fail(err, &pe, l.s, plen, v.s, v.n, NULL);
		if (c.std == STD_NONE) {
			if (v.n)
				return parse_fail(err, &pe, NULL, 0, v.s, v.n,
						  ": extra text: ");
			break;
		}
		const char *elem = l.s + plen;
		size_t elen = c.len;
		advance(&l, plen + c.len);
		switch (c.std) {
		case STD_YEAR: {
			long long y;
			if (v.n < 2) {
				bad = 1;
				break;
			}
			advance(&v, 2);
			if (tatoi(v.s - 2, 2, &y) < 0) {
				bad = 1;
				break;
			}
			year = y >= 69 ? y + 1900 : y + 2000;
			break;
		}
		case STD_LONG_YEAR:
			if (v.n < 4 || !digit_at(v, 0)) {
				bad = 1;
				break;
			}
			advance(&v, 4);
			bad = tatoi(v.s - 4, 4, &year) < 0;
			break;
		case STD_MONTH:
		case STD_LONG_MONTH:
			bad = lookup_name(&v, tmpl_long_months, 12,
					  c.std == STD_MONTH ? 3 : 0, &month) < 0;
			month++;
			break;
		case STD_NUM_MONTH:
		case STD_ZERO_MONTH:
			bad = getnum(&v, c.std == STD_ZERO_MONTH, &month) < 0;
			if (!bad && (month <= 0 || month > 12))
				range = "month";
			break;
		case STD_WEEKDAY: {
			int wd;
			bad = lookup_name(&v, short_days, 7, 0, &wd) < 0;
			break;
		}
		case STD_LONG_WEEKDAY: {
			int wd;
			bad = lookup_name(&v, tmpl_long_days, 7, 0, &wd) < 0;
			break;
		}
		case STD_DAY:
		case STD_UNDER_DAY:
		case STD_ZERO_DAY:
			if (c.std == STD_UNDER_DAY && v.n && v.s[0] == ' ')
				advance(&v, 1);
			bad = getnum(&v, c.std == STD_ZERO_DAY, &day) < 0;
			break;
		case STD_UNDER_YEARDAY:
		case STD_ZERO_YEARDAY:
			for (int i = 0; i < 2; i++)
				if (c.std == STD_UNDER_YEARDAY && v.n && v.s[0] == ' ')
					advance(&v, 1);
			bad = getnum3(&v, c.std == STD_ZERO_YEARDAY, &yday) < 0;
			break;
		case STD_HOUR:
			bad = getnum(&v, 0, &hour) < 0;
			if (hour < 0 || hour >= 24)
				range = "hour";
			break;
		case STD_HOUR12:
		case STD_ZERO_HOUR12:
			bad = getnum(&v, c.std == STD_ZERO_HOUR12, &hour) < 0;
			if (hour < 0 || hour > 12)
				range = "hour";
			break;
		case STD_MINUTE:
		case STD_ZERO_MINUTE:
			bad = getnum(&v, c.std == STD_ZERO_MINUTE, &min) < 0;
			if (min < 0 || min >= 60)
				range = "minute";
			break;
		case STD_SECOND:
		case STD_ZERO_SECOND:
			if ((bad = getnum(&v, c.std == STD_ZERO_SECOND, &sec) < 0))
				break;
			if (sec < 0 || sec >= 60) {
				range = "second";
				break;
			}
			/* a fraction in the value but not in the layout */
			if (v.n >= 2 && (v.s[0] == '.' || v.s[0] == ',') &&
			    digit_at(v, 1)) {
				struct chunk nc;
				tmpl_layout_next(l.s, l.n, &nc);
				if (nc.std == STD_FRAC0 || nc.std == STD_FRAC9)
					break;
				size_t k = 2;
				while (digit_at(v, k))
					k++;
				bad = parse_nanos(v, k, &nsec, &range) < 0;
				advance(&v, k);
			}
			break;
		case STD_PM:
		case STD_pm:
			if (v.n < 2) {
				bad = 1;
				break;
			}
			if (!memcmp(v.s, c.std == STD_PM ? "PM" : "pm", 2))
				pm = 1;
			else if (!memcmp(v.s, c.std == STD_PM ? "AM" : "am", 2))
				am = 1;
			else
				bad = 1;
			advance(&v, 2);
			break;
		case STD_TZ:
			if (v.n >= 3 && !memcmp(v.s, "UTC", 3)) {
				utc = 1;
				advance(&v, 3);
				break;
			}
			{
				size_t k = time_zone_len(v);
				if (!k) {
					bad = 1;
					break;
				}
				snprintf(zone_name, sizeof(zone_name), "%.*s",
					 (int)k, v.s);
				advance(&v, k);
			}
			break;
		case STD_FRAC0: {
			size_t nd = 1 + (size_t)c.digits;
			if (v.n < nd) {
				bad = 1;
				break;
			}
			bad = parse_nanos(v, nd, &nsec, &range) < 0;
			advance(&v, nd);
			break;
		}
		case STD_FRAC9: {
			size_t i = 0;
			if (v.n < 2 || (v.s[0] != '.' && v.s[0] != ',') ||
			    !digit_at(v, 1))
				break;
			while (digit_at(v, i + 1))
				i++;
			bad = parse_nanos(v, 1 + i, &nsec, &range) < 0;
			advance(&v, 1 + i);
			break;
		}
		default: {
			/* numeric zones: -0700, -07:00, Z07:00, ... */
			enum std s = c.std;
			int iso = s == STD_ISO8601_TZ || s == STD_ISO8601_SHORT_TZ ||
				  s == STD_ISO8601_COLON_TZ ||
				  s == STD_ISO8601_SECONDS_TZ ||
				  s == STD_ISO8601_COLON_SECONDS_TZ;
			char hh[3] = "", mm[3] = "00", ss[3] = "00", sign;
			size_t k;
			if (iso && v.n >= 1 && v.s[0] == 'Z') {
				advance(&v, 1);
				utc = 1;
				break;
			}
			if (s == STD_ISO8601_COLON_TZ || s == STD_NUM_COLON_TZ) {
				if (v.n < 6 || v.s[3] != ':') {
					bad = 1;
					break;
				}
				memcpy(mm, v.s + 4, 2);
				k = 6;
			} else if (s == STD_NUM_SHORT_TZ || s == STD_ISO8601_SHORT_TZ) {
				if (v.n < 3) {
					bad = 1;
					break;
				}
				k = 3;
			} else if (s == STD_ISO8601_COLON_SECONDS_TZ ||
				   s == STD_NUM_COLON_SECONDS_TZ) {
				if (v.n < 9 || v.s[3] != ':' || v.s[6] != ':') {
					bad = 1;
					break;
				}
				memcpy(mm, v.s + 4, 2);
				memcpy(ss, v.s + 7, 2);
				k = 9;
			} else if (s == STD_ISO8601_SECONDS_TZ ||
				   s == STD_NUM_SECONDS_TZ) {
				if (v.n < 7) {
					bad = 1;
					break;
				}
				memcpy(mm, v.s + 3, 2);
				memcpy(ss, v.s + 5, 2);
				k = 7;
			} else {
				if (v.n < 5) {
					bad = 1;
					break;
				}
				memcpy(mm, v.s + 3, 2);
				k = 5;
			}
			sign = v.s[0];
			memcpy(hh, v.s + 1, 2);
			advance(&v, k);
			struct text th = { hh, 2 }, tm = { mm, 2 }, ts = { ss, 2 };
			int hr, mn, sc;
			if (getnum(&th, 1, &hr) < 0 || getnum(&tm, 1, &mn) < 0 ||
			    getnum(&ts, 1, &sc) < 0) {
				bad = 1;
				break;
			}
			if (hr > 24)
				range = "time zone offset hour";
			if (mn > 60)
				range = "time zone offset minute";
			if (sc > 60)
				range = "time zone offset second";
			zone_offset = (hr * 60 + mn) * 60 + sc;
			if (sign == '-')
				zone_offset = -zone_offset;
			else if (sign != '+')
				bad = 1;
		}
		}
		if (range) {
			char msg[64];
			snprintf(msg, sizeof(msg), ": %s out of range", range);
			return parse_fail(err, &pe, elem, elen, v.s, v.n, msg);
		}
		/* Go names what is left after the element's first try */
		if (bad)
			return parse_fail(err, &pe, elem, elen, v.s, v.n, NULL);
	}
	if (pm && hour < 12)
		hour += 12;
	else if (am && hour == 12)
		hour = 0;
	if (yday >= 0) {
		int m = 0, d = 0;
		if (is_leap(year)) {
			if (yday == 31 + 29) {
				m = 2;
				d = 29;
			} else if (yday > 31 + 29) {
				yday--;
			}
		}
		if (yday < 1 || yday > 365)
			return parse_fail(err, &pe, NULL, 0, NULL, 0,
					  ": day-of-year out of range");
		if (!m) {
			m = (yday - 1) / 31 + 1;
			if (days_before[m] < yday)
				m++;
			d = yday - days_before[m - 1];
		}
		if (month >= 0 && month != m)
			return parse_fail(err, &pe, NULL, 0, NULL, 0,
					  ": day-of-year does not match month");
		month = m;
		if (day >= 0 && day != d)
			return parse_fail(err, &pe, NULL, 0, NULL, 0,
					  ": day-of-year does not match day");
		day = d;
	} else {
		if (month < 0)
			month = 1;
		if (day < 0)
			day = 1;
	}
	if (day < 1 || day > days_in(month, year))
		return parse_fail(err, &pe, NULL, 0, NULL, 0, ": day out of range");

	long long wall = days_from_civil(year, month, day) * SECS_PER_DAY +
			 hour * 3600LL + min * 60LL + sec;
	const char *abbr;
	int off;
	long long s0, e0;
	out->nsec = nsec;
	if (utc) {
		out->sec = wall, out->offset = 0;
		strcpy(out->zone, "UTC");
	} else if (zone_offset != -1) {
		out->sec = wall - zone_offset;
		zone_lookup(loc, out->sec, &abbr, &off, &s0, &e0);
		out->offset = zone_offset;
		/* the location's own zone when it matches, else a fixed one */
		if (off == zone_offset && (!zone_name[0] || !strcmp(abbr, zone_name)))
			snprintf(out->zone, sizeof(out->zone), "%s", abbr);
		else
			snprintf(out->zone, sizeof(out->zone), "%s", zone_name);
	} else if (zone_name[0]) {
		if (zone_lookup_name(loc, zone_name, wall, &off)) {
			out->sec = wall - off;
			out->offset = off;
		} else {
			long long h = 0;
			if (strlen(zone_name) > 3 && !memcmp(zone_name, "GMT", 3))
				tatoi(zone_name + 3, strlen(zone_name) - 3, &h);
			out->offset = (int)h * 3600;
			out->sec = wall;        /* Go: UTC wall time, fixed zone */
		}
		snprintf(out->zone, sizeof(out->zone), "%s", zone_name);
	} else {
		out->sec = date_in(year, month, day, hour, min, sec, loc);
		zone_lookup(loc, out->sec, &abbr, &out->offset, &s0, &e0);
		snprintf(out->zone, sizeof(out->zone), "%s", abbr);
	}
	return 0;
}

/* ---- durations ---- */

/* time.Duration.String */
static void duration_string(struct strbuf *out, long long d)
{
	char buf[40];
	int w = (int)sizeof(buf);
	unsigned long long u = d < 0 ? 0 - (unsigned long long)d
				     : (unsigned long long)d;
	int prec = 9;

	buf[--w] = '\0';
	if (u < (unsigned long long)NS_PER_SEC) {
		buf[--w] = 's';
		if (u == 0) {
			strbuf_addstr(out, "0s");
			return;
		}
		if (u < 1000) {
			prec = 0;
			buf[--w] = 'n';
		} else if (u < 1000000) {
			prec = 3;
			buf[--w] = (char)0xB5;  /* µ */
			buf[--w] = (char)0xC2;
		} else {
			prec = 6;
			buf[--w] = 'm';
		}
	} else {
		buf[--w] = 's';
	}
	/* the fraction, without trailing zeros */
	int printed = 0;
	for (int i = 0; i < prec; i++) {
		int digit = (int)(u % 10);
		printed = printed || digit != 0;
		if (printed)
			buf[--w] = (char)('0' + digit);
		u /= 10;
	}
	if (printed)
		buf[--w] = '.';
	if (prec == 9) {
		/* seconds, minutes, hours */
		unsigned long long secs = u % 60, mins;
		u /= 60;
		do {
			buf[--w] = (char)('0' + secs % 10);
			secs /= 10;
		} while (secs);
		if (u) {
			mins = u % 60;
			u /= 60;
			buf[--w] = 'm';
			do {
				buf[--w] = (char)('0' + mins % 10);
				mins /= 10;
			} while (mins);
			if (u) {
				buf[--w] = 'h';
				do {
					buf[--w] = (char)('0' + u % 10);
					u /= 10;
				} while (u);
			}
		}
	} else {
		do {
			buf[--w] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
	}
	if (d < 0)
		buf[--w] = '-';
	strbuf_addstr(out, buf + w);
}

/* time.ParseDuration; err holds Go's message. */
static int parse_duration(const char *s0, size_t n0, long long *out,
			  struct gerr *err)
{
	static const struct {
		const char *name;
		unsigned long long ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	const char *s = s0;
	size_t n = n0;
	unsigned long long d = 0;
	int neg = 0;
	struct strbuf q = STRBUF_INIT;

	tquote(&q, s0, n0);
	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++, n--;
	}
	if (n == 1 && s[0] == '0') {
		*out = 0;
		strbuf_release(&q);
		return 0;
	}
	if (!n)
		goto invalid;
	while (n) {
		unsigned long long v = 0, f = 0;
		double scale = 1;
		int pre = 0, post = 0, overflow = 0;
		size_t i;
		if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
			goto invalid;
		while (n && s[0] >= '0' && s[0] <= '9') {
			if (v > (1ULL << 63) / 10)
				goto invalid;
			v = v * 10 + (unsigned)(s[0] - '0');
			if (v > 1ULL << 63)
				goto invalid;
			s++, n--;
			pre = 1;
		}
		if (n && s[0] == '.') {
			s++, n--;
			while (n && s[0] >= '0' && s[0] <= '9') {
				if (!overflow) {
					if (f > ((1ULL << 63) - 1) / 10) {
						overflow = 1;
					} else {
						unsigned long long y = f * 10 +
							(unsigned)(s[0] - '0');
						if (y > 1ULL << 63) {
							overflow = 1;
						} else {
							f = y;
							scale *= 10;
						}
					}
				}
				s++, n--;
				post = 1;
			}
		}
		if (!pre && !post)
			goto invalid;
		for (i = 0; i < n && s[i] != '.' && !(s[i] >= '0' && s[i] <= '9'); i++)
			;
		if (!i) {
			gerr_set(err, "time: missing unit in duration %s", q.buf);
			strbuf_release(&q);
			return -1;
		}
		size_t k;
		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
			if (strlen(units[k].name) == i && !memcmp(units[k].name, s, i))
				break;
		if (k == sizeof(units) / sizeof(units[0])) {
			struct strbuf u = STRBUF_INIT;
			tquote(&u, s, i);
			gerr_set(err, "time: unknown unit %s in duration %s", u.buf,
				 q.buf);
			strbuf_release(&u);
			strbuf_release(&q);
			return -1;
		}
		s += i, n -= i;
		unsigned long long unit = units[k].ns;
		if (v > (1ULL << 63) / unit)
			goto invalid;
		v *= unit;
		if (f > 0) {
			v += (unsigned long long)((double)f * ((double)unit / scale));
			if (v > 1ULL << 63)
				goto invalid;
		}
		d += v;
		if (d > 1ULL << 63)
			goto invalid;
	}
	if (neg) {
		*out = (long long)(0 - d);
		strbuf_release(&q);
		return 0;
	}
	if (d > (1ULL << 63) - 1)
		goto invalid;
	*out = (long long)d;
	strbuf_release(&q);
	return 0;
invalid:
	gerr_set(err, "time: invalid duration %s", q.buf);
	strbuf_release(&q);
	return -1;
}

/* Duration.Round(m) */
static long long duration_round(long long d, long long m)
{
	long long r;
	if (m <= 0)
		return d;
	r = d % m;
	if (d < 0) {
		r = -r;
		if ((unsigned long long)r + (unsigned long long)r < (unsigned long long)m)
			return d + r;
		long long d1 = (long long)((unsigned long long)d - (unsigned long long)m +
					   (unsigned long long)r);
		return d1 < d ? d1 : (-1LL - 0x7FFFFFFFFFFFFFFFLL);
	}
	if ((unsigned long long)r + (unsigned long long)r < (unsigned long long)m)
		return d - r;
	long long d1 = (long long)((unsigned long long)d + (unsigned long long)m -
				   (unsigned long long)r);
	return d1 > d ? d1 : 0x7FFFFFFFFFFFFFFFLL;
}

/* ---- now, and the time of an argument ---- */

static long long mono_base = -1;

static long long mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long ns = ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
	/* Go counts from the start of the process (plus one) */
	if (mono_base < 0)
		mono_base = ns - 1;
	return ns - mono_base;
}

static struct tmpl_value *time_now(void)
{
	struct timespec ts;
	const char *abbr;
	int off;
	long long s, e;
	long long mono = mono_now();
	clock_gettime(CLOCK_REALTIME, &ts);
	zone_lookup(zone_load("Local", NULL), ts.tv_sec, &abbr, &off, &s, &e);
	return tmpl_time_new_mono(ts.tv_sec, (int)ts.tv_nsec, off, abbr, mono);
}

/* time.Since(t) in nanoseconds, saturated as Time.Sub saturates. */
static long long since(const struct tmpl_time *t)
{
	struct timespec ts;
	__int128 d;
	if (t->has_mono) {
		d = (__int128)mono_now() - t->mono;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		d = ((__int128)ts.tv_sec - t->sec) * NS_PER_SEC + (ts.tv_nsec - t->nsec);
	}
	if (d > 0x7FFFFFFFFFFFFFFFLL)
		return 0x7FFFFFFFFFFFFFFFLL;
	if (d < -1LL - 0x7FFFFFFFFFFFFFFFLL)
		return -1LL - 0x7FFFFFFFFFFFFFFFLL;
	return (long long)d;
}

/* The instant of Sprig's date argument: a time.Time, a Unix time as int
 * or int64, or now. */
static void instant_of(const struct tmpl_value *v, long long *sec, int *nsec)
{
	const struct tmpl_time *t = tmpl_time_get(v);
	struct timespec ts;
	if (t) {
		*sec = t->sec;
		*nsec = t->nsec;
	} else if (v->kind == TMPL_INT || v->kind == TMPL_INT64) {
		*sec = v->u.i;
		*nsec = 0;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		*sec = ts.tv_sec;
		*nsec = (int)ts.tv_nsec;
	}
}

/* ---- the functions ---- */

static int f_now(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	*result = time_now();
	return 0;
}

static int format_in(struct tmpl_value **result, const struct tmpl_value *fmt,
		     const struct tmpl_value *date, const char *zone)
{
	long long sec;
	int nsec;
	const struct zone *z = zone_load(zone, NULL);
	struct strbuf sb = STRBUF_INIT;
	struct tmpl_value *t;
	instant_of(date, &sec, &nsec);
	t = time_in(sec, nsec, z ? z : &utc_zone);
	tmpl_time_format(&sb, tmpl_time_get(t), fmt ? STR(fmt) : "2006-01-02",
			 fmt ? LEN(fmt) : 10);
	tmpl_unref(t);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_date(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	return format_in(result, args[0], args[1], "Local");
}

static int f_date_in_zone(struct tmpl_call *call, struct tmpl_value **args,
			  size_t nargs, struct tmpl_value **result)
{
	return format_in(result, args[0], args[1], STR(args[2]));
}

static int f_html_date(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	return format_in(result, NULL, args[0], nargs > 1 ? STR(args[1]) : "Local");
}

static int f_date_modify(struct tmpl_call *call, struct tmpl_value **args,
			 size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_time *t = tmpl_time_get(args[1]);
	long long d;
	int must = !strncmp(call->name, "must", 4);
	if (parse_duration(STR(args[0]), LEN(args[0]), &d, call->err) < 0) {
		if (must)
			return -1;
		gerr_clear(call->err);
		*result = tmpl_ref(args[1]);
		return 0;
	}
	/* Time.Add, keeping the monotonic reading when it does not wrap */
	long long ns = t->nsec + d % NS_PER_SEC;
	long long sec = t->sec + d / NS_PER_SEC + floor_div(ns, NS_PER_SEC);
	ns -= floor_div(ns, NS_PER_SEC) * NS_PER_SEC;
	if (t->has_mono) {
		long long m = (long long)((unsigned long long)t->mono +
					  (unsigned long long)d);
		if ((d < 0 && m > t->mono) || (d > 0 && m < t->mono))
			*result = tmpl_time_new(sec, (int)ns, t->offset, t->zone);
		else
			*result = tmpl_time_new_mono(sec, (int)ns, t->offset,
						     t->zone, m);
	} else {
		*result = tmpl_time_new(sec, (int)ns, t->offset, t->zone);
	}
	return 0;
}

static int f_to_date(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct parsed p;
	const struct zone *local = zone_load("Local", NULL);
	if (time_parse(STR(args[0]), LEN(args[0]), STR(args[1]), LEN(args[1]),
		       local, &p, call->err) < 0) {
		if (!strncmp(call->name, "must", 4))
			return -1;
		gerr_clear(call->err);
		/* the zero time.Time */
		*result = tmpl_time_new(-62135596800LL, 0, 0, "UTC");
		return 0;
	}
	*result = tmpl_time_new(p.sec, p.nsec, p.offset, p.zone);
	return 0;
}

static int f_unix_epoch(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", tmpl_time_get(args[0])->sec);
	*result = tmpl_string(buf);
	return 0;
}

static int f_ago(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	const struct tmpl_time *t = tmpl_time_get(args[0]);
	long long d = 0;
	if (t) {
		d = since(t);
	} else if (args[0]->kind == TMPL_INT || args[0]->kind == TMPL_INT64) {
		struct tmpl_time u = { args[0]->u.i, 0, 0, "", 0, 0 };
		d = since(&u);
	}
	duration_string(&sb, duration_round(d, NS_PER_SEC));
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_duration(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	long long n = 0;
	if (args[0]->kind == TMPL_STRING) {
		if (sprig_parse_int(STR(args[0]), LEN(args[0]), 10, &n) != 0)
			n = 0;
	} else if (args[0]->kind == TMPL_INT64) {
		n = args[0]->u.i;
	}
	/* time.Duration(n) * time.Second, wrapping as Go does */
	duration_string(&sb, (long long)((unsigned long long)n *
					  (unsigned long long)NS_PER_SEC));
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_duration_round(struct tmpl_call *call, struct tmpl_value **args,
			    size_t nargs, struct tmpl_value **result)
{
	static const struct {
		unsigned long long ns;
		const char *unit;
	} steps[] = {
		{ 3600ULL * 24 * 365 * NS_PER_SEC, "y" },
		{ 3600ULL * 24 * 30 * NS_PER_SEC, "m" },
		{ 3600ULL * 24 * NS_PER_SEC, "d" },
		{ 3600ULL * NS_PER_SEC, "h" },
		{ 60ULL * NS_PER_SEC, "m" },
		{ (unsigned long long)NS_PER_SEC, "s" },
	};
	const struct tmpl_value *v = args[0];
	const struct tmpl_time *t = tmpl_time_get(v);
	long long d = 0;
	char buf[32];
	if (v->kind == TMPL_STRING) {
		struct gerr e = GERR_INIT;
		if (parse_duration(STR(v), LEN(v), &d, &e) < 0)
			d = 0;
		gerr_clear(&e);
	} else if (v->kind == TMPL_INT64) {
		d = v->u.i;
	} else if (t) {
		d = since(t);
	}
	unsigned long long u = d < 0 ? 0 - (unsigned long long)d
				     : (unsigned long long)d;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (u > steps[i].ns) {
			snprintf(buf, sizeof(buf), "%llu%s", u / steps[i].ns,
				 steps[i].unit);
			*result = tmpl_string(buf);
			return 0;
		}
	*result = tmpl_string("0s");
	return 0;
}

const struct tmpl_func sprig_date_funcs[] = {
	{ "ago", f_ago, "any -> string", 0 },
	{ "date", f_date, "string, any -> string", 0 },
	{ "dateInZone", f_date_in_zone, "string, any, string -> string", 0 },
	{ "dateModify", f_date_modify, "string, time.Time -> time.Time", 0 },
	{ "date_in_zone", f_date_in_zone, "string, any, string -> string", 0 },
	{ "date_modify", f_date_modify, "string, time.Time -> time.Time", 0 },
	{ "duration", f_duration, "any -> string", 0 },
	{ "durationRound", f_duration_round, "any -> string", 0 },
	{ "htmlDate", f_html_date, "any -> string", 0 },
	{ "htmlDateInZone", f_html_date, "any, string -> string", 0 },
	{ "mustDateModify", f_date_modify, "string, time.Time -> time.Time", 0 },
	{ "mustToDate", f_to_date, "string, string -> time.Time", 0 },
	{ "must_date_modify", f_date_modify, "string, time.Time -> time.Time", 0 },
	{ "now", f_now, " -> time.Time", 0 },
	{ "toDate", f_to_date, "string, string -> time.Time", 0 },
	{ "unixEpoch", f_unix_epoch, "time.Time -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};
