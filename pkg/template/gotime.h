#ifndef GANTRY_TEMPLATE_GOTIME_H
#define GANTRY_TEMPLATE_GOTIME_H

/*
 * Go's time layouts ("2006-01-02T15:04:05Z07:00"), shared by Time.Format
 * (gotypes.c) and time.Parse (sprig_date.c). Internal to pkg/template.
 */

#include <stddef.h>

enum std {
	STD_NONE,
	STD_LONG_MONTH, STD_MONTH, STD_NUM_MONTH, STD_ZERO_MONTH,
	STD_LONG_WEEKDAY, STD_WEEKDAY,
	STD_DAY, STD_UNDER_DAY, STD_ZERO_DAY,
	STD_UNDER_YEARDAY, STD_ZERO_YEARDAY,
	STD_HOUR, STD_HOUR12, STD_ZERO_HOUR12,
	STD_MINUTE, STD_ZERO_MINUTE, STD_SECOND, STD_ZERO_SECOND,
	STD_LONG_YEAR, STD_YEAR, STD_PM, STD_pm, STD_TZ,
	STD_ISO8601_TZ, STD_ISO8601_SECONDS_TZ, STD_ISO8601_SHORT_TZ,
	STD_ISO8601_COLON_TZ, STD_ISO8601_COLON_SECONDS_TZ,
	STD_NUM_TZ, STD_NUM_SECONDS_TZ, STD_NUM_SHORT_TZ, STD_NUM_COLON_TZ,
	STD_NUM_COLON_SECONDS_TZ,
	STD_FRAC0, STD_FRAC9,
};

/* One element of a layout: what it is and where. */
struct chunk {
	enum std std;
	size_t prefix;          /* literal bytes before the element */
	size_t len;             /* bytes the element takes in the layout */
	size_t skip;            /* a literal byte kept before it ("_2006") */
	int digits;             /* fractional seconds: how many */
	char sep;               /* fractional seconds: '.' or ',' */
};

/* Go's nextStdChunk: the first layout element of l[0..n); c->std is
 * STD_NONE (and c->prefix n) when there is none. */
void tmpl_layout_next(const char *l, size_t n, struct chunk *c);

extern const char *const tmpl_long_months[12];  /* "January" ... */
extern const char *const tmpl_long_days[7];     /* "Sunday" ... */

#endif
