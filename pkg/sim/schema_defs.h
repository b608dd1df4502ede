#ifndef GANTRY_SIM_SCHEMA_DEFS_H
#define GANTRY_SIM_SCHEMA_DEFS_H

/* pkg/sim internal: the built-in type table (schema_defs.c), read by
 * schema.c. NULL-terminated. */
extern const char *const schema_defs[];

#endif
