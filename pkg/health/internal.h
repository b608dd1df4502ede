#ifndef GANTRY_HEALTH_INTERNAL_H
#define GANTRY_HEALTH_INTERNAL_H

#include "pkg/base/strbuf.h"
#include "pkg/health/health.h"

/* The value at a dotted path ("status.phase"), or NULL. */
const json_t *health_path(const json_t *obj, const char *dotted);

/* The built-in rule of group/kind, else the generic rules. *msg gets a
 * new string when the result is not Healthy. */
enum health_status health_builtin(const char *group, const char *kind,
				  const json_t *obj, char **msg);
enum health_status health_generic(const json_t *obj, char **msg);

#endif
