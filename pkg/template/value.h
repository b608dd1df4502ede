#ifndef GANTRY_TEMPLATE_VALUE_H
#define GANTRY_TEMPLATE_VALUE_H

/*
 * pkg/template values: what a Go template manipulates, with the Go dynamic
 * types that Helm and Sprig behaviour depends on (typeOf, kindOf, printf %v,
 * eq's "incompatible types for comparison", float64 printing as 1e+06).
 *
 * A value is a refcounted `struct tmpl_value`. Its Go type is its kind plus,
 * for containers, the element type, plus for named and struct types a class:
 *
 *   kind           Go type                      made by
 *   TMPL_NIL       nil in an interface{}        tmpl_nil()
 *   TMPL_BOOL      bool                         tmpl_bool()
 *   TMPL_INT       int                          tmpl_int()      len, atoi, literals
 *   TMPL_INT64     int64                        tmpl_int64()    Sprig math, --set
 *   TMPL_FLOAT64   float64                      tmpl_float()    every number of a values file
 *   TMPL_STRING    string                       tmpl_string*()
 *   TMPL_BYTES     []uint8                      tmpl_bytes()    .Files.GetBytes
 *   TMPL_LIST      []E: E = elem (TMPL_NIL      tmpl_list_new() list, splitList, until
 *                  means interface{})
 *   TMPL_MAP       map[string]E                 tmpl_map_new()  dict, values
 *   TMPL_OBJECT    a struct or pointer type     tmpl_object_new() time.Time,
 *                  described by a class         sprig.certificate, *semver.Version
 *
 * A list or map may also carry a class, which makes it a named type
 * (chartutil.Values is a map[string]interface{} with methods).
 *
 * "No value" — Go's invalid reflect.Value, what a pipeline yields for a
 * missing map key and what prints as "<no value>" — is the NULL pointer.
 * TMPL_NIL is different: it is a nil stored in an interface{} slot (a null
 * in a values file, a missing key looked up with missingkey=zero). Every
 * function here accepts NULL where it takes a const value.
 *
 * Ownership (the jansson rules, spelled out):
 *   - constructors and every function documented "new reference" return a
 *     value the caller must tmpl_unref();
 *   - getters (tmpl_list_get, tmpl_map_get, ...) return borrowed pointers,
 *     valid while the container holds them;
 *   - setters (tmpl_list_push, tmpl_map_set) take over the caller's
 *     reference to the item ("steal"): pass tmpl_ref(x) to keep your own.
 * nil, true and false are immortal singletons: ref/unref on them do nothing.
 *
 * Mutability follows Go: maps are reference types, so tmpl_map_set on a map
 * is seen by every holder (Sprig's set/unset/merge depend on it). Lists and
 * scalars are treated as immutable once shared: build a list while you hold
 * the only reference, then hand it out. A map that contains itself is never
 * freed (as Go it cannot be printed either); nothing in Helm builds one.
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"

enum tmpl_kind {
	TMPL_NIL = 0,
	TMPL_BOOL,
	TMPL_INT,
	TMPL_INT64,
	TMPL_FLOAT64,
	TMPL_STRING,
	TMPL_BYTES,
	TMPL_LIST,
	TMPL_MAP,
	TMPL_OBJECT,
};

struct tmpl_value;
struct tmpl_func;

/*
 * A Go named type, struct type or pointer type. Classes are static tables
 * written by whoever introduces the type (the Sprig files: time.Time,
 * *semver.Version, sprig.certificate; the Helm files: chartutil.Values,
 * *chartutil.Capabilities, ...). Every hook may be NULL.
 */
struct tmpl_class {
	const char *type_name;  /* %T and typeOf: "time.Time", "*semver.Version" */
	const char *kind_name;  /* reflect kind, kindOf: "struct", "ptr", "map" */
	/* Exported fields in declaration order, NULL-terminated: `.Name`
	 * reads them, %v prints {a b}, %+v {A:a B:b}. */
	const char *const *fields;
	/* Field i of self as a new reference. */
	struct tmpl_value *(*field)(const struct tmpl_value *self, size_t i);
	/* Methods, callable as `.Name arg...`; an array ended by an entry
	 * whose name is NULL. Go looks methods up before fields and map keys,
	 * and so does the executor. */
	const struct tmpl_func *methods;
	/* The type's String() method: fmt uses it for %v %s %q %x %X. */
	void (*string)(struct strbuf *out, const struct tmpl_value *self);
	/* Go's == for eq. NULL compares identity, which is what == does
	 * for a pointer type. */
	int (*equal)(const struct tmpl_value *a, const struct tmpl_value *b);
	/* encoding/json of the value (MarshalJSON); NULL: an object of the
	 * exported fields, as encoding/json does for a struct. */
	json_t *(*to_json)(const struct tmpl_value *self);
	/* Frees an object's data when its last reference goes. */
	void (*free)(void *data);
};

struct tmpl_list {
	struct tmpl_value **v;
	size_t nr, alloc;
	enum tmpl_kind elem;            /* TMPL_NIL: []interface{} */
	const struct tmpl_class *cls;   /* named slice type, or NULL */
};

struct tmpl_map_entry {
	char *key;
	size_t klen;
	struct tmpl_value *value;
};

/* Entries are kept sorted by key (Go orders map keys bytewise when it
 * ranges over or prints a map), so iteration is in Go's order. */
struct tmpl_map {
	struct tmpl_map_entry *e;
	size_t nr, alloc;
	enum tmpl_kind elem;            /* TMPL_NIL: map[string]interface{} */
	const struct tmpl_class *cls;   /* named map type, or NULL */
};

/* Read the fields freely; change them only through the functions below. */
struct tmpl_value {
	enum tmpl_kind kind;
	int refs;                       /* < 0: immortal */
	union {
		int b;                  /* TMPL_BOOL */
		long long i;            /* TMPL_INT, TMPL_INT64 */
		double f;               /* TMPL_FLOAT64 */
		struct {                /* TMPL_STRING, TMPL_BYTES */
			char *s;        /* always NUL-terminated after len */
			size_t len;
		} str;
		struct tmpl_list list;
		struct tmpl_map map;
		struct {
			const struct tmpl_class *cls;
			void *data;     /* freed by cls->free */
		} obj;
	} u;
};

/* ---- constructors (new references) ---- */
struct tmpl_value *tmpl_nil(void);
struct tmpl_value *tmpl_bool(int b);
struct tmpl_value *tmpl_int(long long i);
struct tmpl_value *tmpl_int64(long long i);
struct tmpl_value *tmpl_float(double f);
struct tmpl_value *tmpl_string(const char *s);
struct tmpl_value *tmpl_stringn(const char *s, size_t len);
/* Takes s, which must come from malloc and have s[len] == '\0'. */
struct tmpl_value *tmpl_string_own(char *s, size_t len);
/* The contents of sb, which is left empty. */
struct tmpl_value *tmpl_string_buf(struct strbuf *sb);
struct tmpl_value *tmpl_bytes(const void *p, size_t len);
/* elem: the element type; TMPL_NIL for interface{}. Containers of
 * containers are always []interface{} / map[string]interface{}. */
struct tmpl_value *tmpl_list_new(enum tmpl_kind elem);
struct tmpl_value *tmpl_map_new(enum tmpl_kind elem);
/* Takes data (freed with cls->free). */
struct tmpl_value *tmpl_object_new(const struct tmpl_class *cls, void *data);

struct tmpl_value *tmpl_ref(struct tmpl_value *v);   /* NULL-safe */
void tmpl_unref(struct tmpl_value *v);               /* NULL-safe */

/* ---- lists ---- */
size_t tmpl_list_len(const struct tmpl_value *list);
struct tmpl_value *tmpl_list_get(const struct tmpl_value *list, size_t i);
/* Append item, taking the reference. */
void tmpl_list_push(struct tmpl_value *list, struct tmpl_value *item);

/* ---- maps ---- */
size_t tmpl_map_len(const struct tmpl_value *map);
/* Borrowed; NULL when the key is absent. */
struct tmpl_value *tmpl_map_get(const struct tmpl_value *map, const char *key);
struct tmpl_value *tmpl_map_getn(const struct tmpl_value *map,
				 const char *key, size_t klen);
/* Insert or replace, taking the reference to item. */
void tmpl_map_set(struct tmpl_value *map, const char *key,
		  struct tmpl_value *item);
void tmpl_map_setn(struct tmpl_value *map, const char *key, size_t klen,
		   struct tmpl_value *item);
/* Returns 1 when the key was there. */
int tmpl_map_delete(struct tmpl_value *map, const char *key);
/* The i-th entry in key order (borrowed). */
const struct tmpl_map_entry *tmpl_map_entry(const struct tmpl_value *map,
					    size_t i);

/* Give a list or map a named type (e.g. chartutil.Values). */
void tmpl_set_class(struct tmpl_value *v, const struct tmpl_class *cls);

/* ---- Go's view of a value ---- */

/* The Go type as %T prints it (and Sprig's typeOf): "int", "float64",
 * "[]interface {}", "map[string]interface {}", "chartutil.Values",
 * "*semver.Version"; "<nil>" for nil and for no value. Static string. */
const char *tmpl_type_name(const struct tmpl_value *v);
/* The same without the class of a named slice or map type: the unnamed
 * type beneath ("map[string]interface {}" for chartutil.Values). */
const char *tmpl_underlying_type_name(const struct tmpl_value *v);
/* The element type's name of a list or map ("interface {}", "string"). */
const char *tmpl_elem_type_name(enum tmpl_kind elem);
/* reflect.Kind as Sprig's kindOf prints it: "int", "slice", "map",
 * "struct", "ptr"; "invalid" for nil and no value. Static string. */
const char *tmpl_kind_name(const struct tmpl_value *v);

/* text/template's truth: false, 0, "", empty list or map, nil and no value
 * are false; structs and non-nil pointers true. */
int tmpl_truth(const struct tmpl_value *v);

/* Length of a string (bytes), list, map or []byte; -1 for other kinds. */
long long tmpl_len(const struct tmpl_value *v);

/*
 * text/template's comparisons. tmpl_eq is eq with two operands (eq with
 * more is "any of them"), tmpl_lt is lt; le, gt, ge, ne are built from
 * these as Go builds them. They set *result and return 0, or return -1
 * with err holding Go's message:
 *   "incompatible types for comparison"   eq 1 "1", lt 1 1.5
 *   "invalid type for comparison"         lt true false, lt of a map
 *   "non-comparable type ...", "non-comparable types ..."  eq of maps
 * int and int64 are both Go integers and compare by value; float64 only
 * with float64; nil (and no value) equals nil and differs from anything
 * else without an error.
 */
int tmpl_eq(const struct tmpl_value *a, const struct tmpl_value *b,
	    int *result, struct gerr *err);
int tmpl_lt(const struct tmpl_value *a, const struct tmpl_value *b,
	    int *result, struct gerr *err);

/* Go's int64(f) on amd64: truncation toward zero, and the "integer
 * indefinite" value math.MinInt64 for NaN and anything out of range. */
long long tmpl_float_to_int64(double f);

/* A copy of v in which every map and list is new (scalars and objects are
 * shared): what Sprig's deepCopy gives. New reference. */
struct tmpl_value *tmpl_deep_copy(const struct tmpl_value *v);

/* ---- jansson ---- */

enum tmpl_json_flags {
	/* JSON integers become int64 rather than float64. Helm decodes values
	 * files through encoding/json (every number float64); --set keeps
	 * integers as int64. */
	TMPL_JSON_INT64 = 1 << 0,
};

/* A value for a JSON document: objects become map[string]interface{},
 * arrays []interface{}, null TMPL_NIL. New reference; never fails. */
struct tmpl_value *tmpl_from_json(const json_t *j, unsigned flags);

/*
 * JSON for a value, as encoding/json marshals it: []byte as base64, a
 * float64 with a whole value below 2^63 as a JSON integer (both print the
 * same digits, and YAML output must show 1000000, not 1e+06), objects
 * through their class. Fails (returns NULL, err set) on NaN or ±Inf as
 * encoding/json does: "json: unsupported value: NaN". No value gives null.
 */
json_t *tmpl_to_json(const struct tmpl_value *v, struct gerr *err);

/* ---- Go's fmt (fmt.c) ---- */

/* %v of v, as fmt.Sprint prints one operand (NULL and nil: "<nil>"). */
void tmpl_fmt_value(struct strbuf *out, const struct tmpl_value *v);
/* fmt.Sprintf: every verb, flag, width, precision, argument index
 * ([n]) and error form (%!d(string=x), %!s(MISSING), %!(EXTRA ...)). */
void tmpl_sprintf(struct strbuf *out, const char *format, size_t flen,
		  struct tmpl_value *const *args, size_t nargs);
/* fmt.Sprint: a space between operands when neither is a string. */
void tmpl_sprint(struct strbuf *out, struct tmpl_value *const *args,
		 size_t nargs);
/* fmt.Sprintln: always a space between operands, then a newline. */
void tmpl_sprintln(struct strbuf *out, struct tmpl_value *const *args,
		   size_t nargs);
/* What an action {{ v }} prints: "<no value>" for no value (Helm later
 * blanks it), a pointer to a struct as the struct, anything else %v. */
void tmpl_fmt_print(struct strbuf *out, const struct tmpl_value *v);
/* Sprig's toString: a string as is, []byte as its bytes, a String()
 * method's result, anything else %v. */
void tmpl_to_string(struct strbuf *out, const struct tmpl_value *v);

/* strconv.Quote: Go's "%q" of a string (escapes, \u for non-printables). */
void tmpl_quote(struct strbuf *out, const char *s, size_t len);

/* ---- Go struct types of the library (gotypes.c) ----
 *
 * time.Time (Sprig's now, toDate, dateModify...): a struct that prints
 * through its String method ("2006-01-02 15:04:05.999999999 -0700 MST",
 * plus " m=+0.001" when it carries a monotonic reading, as time.Now()
 * does), marshals to RFC 3339 JSON, compares with == field by field, and
 * has the methods Day Format Hour IsZero Minute Nanosecond Second String
 * UTC Unix UnixNano Year YearDay. (Month and Weekday return named int
 * types the value model does not have; they are not methods here.)
 *
 * sprig.certificate (genCA, genSelfSignedCert, genSignedCert): a struct
 * with the string fields Cert and Key: `.Cert`, %v prints {CERT KEY},
 * toJson gives {"Cert":...,"Key":...}.
 *
 * *semver.Version is not here: it belongs with the semver functions that
 * parse it (a class of kind "ptr", type "*semver.Version", with a String
 * method and Major, Minor, Patch, Prerelease, Metadata, Original). */
struct tmpl_time {
	long long sec;          /* seconds since 1970-01-01 UTC */
	int nsec;               /* 0..999999999 */
	int offset;             /* the zone's offset, seconds east of UTC */
	char zone[16];          /* its abbreviation ("UTC", "CET"); "" when
	                           unknown, printed as -0700 then */
	int has_mono;
	long long mono;         /* monotonic reading, ns (time.Now only) */
};

extern const struct tmpl_class tmpl_time_class;
struct tmpl_value *tmpl_time_new(long long sec, int nsec, int offset,
				 const char *zone);
struct tmpl_value *tmpl_time_new_mono(long long sec, int nsec, int offset,
				      const char *zone, long long mono);
/* The time in v, or NULL when v is not a time.Time. Borrowed. */
const struct tmpl_time *tmpl_time_get(const struct tmpl_value *v);
/* Time.Format: every element of Go's reference layout ("Mon Jan 2
 * 15:04:05 MST 2006", "2006-01-02T15:04:05Z07:00", ".000", "_2", ...). */
void tmpl_time_format(struct strbuf *out, const struct tmpl_time *t,
		      const char *layout, size_t len);

extern const struct tmpl_class tmpl_certificate_class;
struct tmpl_value *tmpl_certificate_new(const char *cert, size_t cert_len,
					const char *key, size_t key_len);

#endif
