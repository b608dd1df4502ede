/*
 * pkg/sim: the audit log (--audit-log), one JSON line per request: time,
 * user, Kubernetes verb, path, query and status code. Bodies are never
 * written: they may hold Secret data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

/* The Kubernetes verb of a request the API did not route (401s, faults) */
static const char *method_verb(const char *m)
{
	if (!strcmp(m, "POST"))
		return "create";
	if (!strcmp(m, "PUT"))
		return "update";
	if (!strcmp(m, "PATCH"))
		return "patch";
	if (!strcmp(m, "DELETE"))
		return "delete";
	return "get";
}

void audit_record(struct sim *s, const struct req *r, const char *verb,
		  int code)
{
	json_t *line;
	struct strbuf ts = STRBUF_INIT;
	char *text;

	if (!s->audit)
		return;
	line = json_object();
	util_timestamp(&ts);
	json_object_set_new(line, "time", json_string(ts.buf));
	json_object_set_new(line, "user", json_string(r->user ? r->user : ""));
	json_object_set_new(line, "verb",
			    json_string(verb ? verb : method_verb(r->method)));
	json_object_set_new(line, "path", json_string(r->path));
	if (r->query)
		json_object_set(line, "query", r->query);
	else
		json_object_set_new(line, "query", json_object());
	json_object_set_new(line, "code", json_integer(code));
	text = json_dumps(line, JSON_COMPACT);
	pthread_mutex_lock(&s->audit_lock);
	fprintf(s->audit, "%s\n", text);
	fflush(s->audit);
	pthread_mutex_unlock(&s->audit_lock);
	free(text);
	json_decref(line);
	strbuf_release(&ts);
}
