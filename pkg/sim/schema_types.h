#ifndef GANTRY_SIM_SCHEMA_TYPES_H
#define GANTRY_SIM_SCHEMA_TYPES_H

/*
 * pkg/sim internal: the parsed form of schema_defs.c, shared by schema.c
 * (JSON decoding, OpenAPI) and proto.c (protobuf decoding). Parsed once;
 * lives as long as the process.
 */

enum tkind { T_STRING, T_INT32, T_INT64, T_BOOL, T_NUMBER, T_BYTES,
	     T_QUANTITY, T_INTSTR, T_TIME, T_MICROTIME, T_ANY, T_ARRAY, T_MAP,
	     T_REF };

struct ttype {
	enum tkind kind;
	struct ttype *elem; /* T_ARRAY, T_MAP */
	char *ref;          /* T_REF: the full definition name */
};

struct tfield {
	char *name;
	struct ttype *type;
	int required;
	int number;  /* protobuf field number, 0 when not given */
	int pointer; /* a Go pointer: a zero value is kept */
};

struct tdef {
	char *name;  /* full: io.k8s.api.core.v1.Container */
	char *go;    /* Go type as encoding/json names it: v1.Container */
	struct tfield *fields;
	size_t nfields, afields;
};

/* The definition of that full name, or NULL. */
const struct tdef *schema_find_def(const char *name);

#endif
