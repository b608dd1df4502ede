#ifndef GANTRY_YAML_SCALAR_H
#define GANTRY_YAML_SCALAR_H

/* Internal to pkg/yaml: scalar typing shared by the parser and emitter. */

#include <stddef.h>

enum scalar_class {
	SCALAR_STRING,
	SCALAR_NULL,
	SCALAR_TRUE,
	SCALAR_FALSE,
	SCALAR_INT,
	SCALAR_FLOAT,
	SCALAR_INF,   /* .inf and friends: not representable in JSON */
	SCALAR_NAN,
	SCALAR_MERGE, /* "<<" */
	SCALAR_TIMESTAMP, /* kyaml only: ts holds its RFC 3339 form */
};

struct scalar_value {
	enum scalar_class cls;
	long long i;
	double d;
	char ts[48];
};

/* What go-yaml v2 makes of an unquoted, untagged scalar. */
void scalar_resolve_plain(const char *s, size_t len, struct scalar_value *out);
/* What kustomize (kyaml, go-yaml v3) makes of one: only true/false in
 * three spellings are booleans, and a timestamp becomes the RFC 3339 text
 * Go prints for a time.Time; numbers and nulls as above. */
void scalar_resolve_plain_kyaml(const char *s, size_t len,
				struct scalar_value *out);
int scalar_is_yaml_float(const char *s, size_t len);
int scalar_is_timestamp(const char *s, size_t len);
/* Would this string, written unquoted, read back as anything but the same
 * string under YAML 1.1 (go-yaml, PyYAML) or YAML 1.2? */
int scalar_plain_reads_as_other(const char *s, size_t len);

#endif
