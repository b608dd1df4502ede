#ifndef GANTRY_TEMPLATE_SPRIG_H
#define GANTRY_TEMPLATE_SPRIG_H

/*
 * What the files of the Sprig library (sprig_*.c) share: Sprig's own
 * conversions (toInt64, toFloat64, empty, strval), Go's reflect.DeepEqual,
 * Go's unicode classes and case mappings, and the way a Go panic inside a
 * function surfaces (text/template turns it into the call's error). Internal
 * to pkg/template; the library's API is its function tables (functab.c).
 *
 * Each sprig_*.c exports one table, listed in functab.c:
 *   sprig_string_funcs    strings, string lists, encodings  sprig_strings.c
 *   sprig_case_funcs      snakecase, camelcase, wrap, ...    sprig_case.c
 *   sprig_list_funcs      lists                              sprig_lists.c
 *   sprig_dict_funcs      dicts, merge, deepCopy, dig        sprig_dicts.c
 *   sprig_math_funcs      integer and float math, until,     sprig_math.c
 *                         conversions (atoi, int, float64)
 *   sprig_misc_funcs      defaults, JSON, reflection, paths, sprig_misc.c
 *                         network, semver
 *   sprig_url_funcs       urlParse, urlJoin (net/url)        sprig_url.c
 * and sprig_json.c holds the JSON reading and writing of encoding/json.
 *   sprig_regex_funcs     regular expressions (Go RE2 on     sprig_regex.c
 *                         PCRE2)
 *   sprig_date_funcs      dates and durations                sprig_date.c
 *   sprig_crypto_funcs    hashes, random strings, keys,      sprig_crypto.c
 *                         certificates, AES, bcrypt
 */

#include "pkg/base/strbuf.h"
#include "pkg/template/funcs.h"
#include "pkg/template/value.h"

/* ---- Sprig's conversions (spf13/cast and sprig's strval) ---- */

/* cast.ToInt64: ints as they are, floats truncated, bool 0/1, nil 0,
 * strings through strconv.ParseInt(s, 0, 64) after dropping a ".000"
 * fraction ("0x1F", "0o17", "017" octal, "1_000"); anything else 0. */
long long sprig_to_int64(const struct tmpl_value *v);
/* cast.ToFloat64: strings through strconv.ParseFloat. */
double sprig_to_float64(const struct tmpl_value *v);
/* strconv.ParseInt(s, base, 64) with Go's rules (base 0: prefixes and
 * underscores). Returns 0 on success, -1 for a syntax error, -2 when out
 * of range (then *out is clamped as Go clamps it). */
int sprig_parse_int(const char *s, size_t len, int base, long long *out);
/* strconv.ParseFloat(s, 64): 0, -1 (syntax) or -2 (range, *out ±Inf). */
int sprig_parse_float(const char *s, size_t len, double *out);

/* Sprig's empty(): nil, false, 0, "", and empty lists and maps are
 * empty; structs (time.Time, certificates) never are. */
int sprig_empty(const struct tmpl_value *v);

/* reflect.DeepEqual: same Go type and deeply equal contents (int 1 and
 * int64 1 differ; NaN differs from itself). */
int sprig_deep_equal(const struct tmpl_value *a, const struct tmpl_value *b);

/* A list or []byte: what reflect calls a slice. */
int sprig_is_slice(const struct tmpl_value *v);
/* Element i of a slice (a []byte yields uint8 values, shown as int);
 * new reference. */
struct tmpl_value *sprig_slice_get(const struct tmpl_value *v, size_t i);
size_t sprig_slice_len(const struct tmpl_value *v);

/* Sprig's strslice (toStrings): a []string as it is, the elements of any
 * other slice through strval (nils dropped), nil as [], anything else as
 * a one-element list. New reference. */
struct tmpl_value *sprig_strslice(const struct tmpl_value *v);

/* ---- how Go failures read ---- */

/* A nil interface reaching reflect.TypeOf(x).Kind(): Go panics with a
 * nil pointer dereference, which text/template reports as the error. */
int sprig_nil_panic(struct tmpl_call *call);

/* A value too large to build (repeat, until with huge counts): Go would
 * die of exhaustion; gantry refuses with an error instead. */
#define SPRIG_MAX_OUTPUT ((size_t)1 << 30)

/* ---- Go's unicode package (for runes; ASCII exactly as Go, beyond it
 * through the C.UTF-8 locale's tables) ---- */
int sprig_is_space(int r);      /* unicode.IsSpace */
int sprig_is_upper(int r);
int sprig_is_lower(int r);
int sprig_is_title(int r);
int sprig_is_letter(int r);
int sprig_is_digit(int r);      /* Nd */
int sprig_is_number(int r);     /* N */
int sprig_is_punct(int r);      /* P */
int sprig_to_upper(int r);
int sprig_to_lower(int r);
int sprig_to_title(int r);

/* Decode the rune at s[*i] (Go's DecodeRune) and advance *i. */
int sprig_next_rune(const char *s, size_t len, size_t *i);

/* ---- numbers ---- */

/* The shortest decimal digits that read back as d (d finite, > 0):
 * digits without a point, and the exponent such that
 * d = 0.DIGITS * 10^point. Returns the number of digits. */
int sprig_shortest(double d, char digits[32], int *point);

/* ---- JSON text as encoding/json writes it ---- */

enum sprig_json_flags {
	SPRIG_JSON_ESCAPE_HTML = 1 << 0,  /* < > & as \u003c ... (Marshal) */
	SPRIG_JSON_INDENT = 1 << 1,       /* MarshalIndent(v, "", "  ") */
};

/* json.Marshal of v. Fails with Go's message for NaN and infinities. */
int sprig_json(struct strbuf *out, const struct tmpl_value *v,
	       unsigned flags, struct gerr *err);
/* json.Unmarshal of s into an interface{}: numbers float64, objects
 * map[string]interface{}, arrays []interface{}. Fails with Go's message
 * ("invalid character '}' looking for beginning of object key string",
 * "unexpected end of JSON input"). *out is a new reference. */
int sprig_json_parse(const char *s, size_t len, struct tmpl_value **out,
		     struct gerr *err);

#endif
