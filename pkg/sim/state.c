/*
 * pkg/sim: the state file — every stored object, the resourceVersion
 * counter and the controllers' memory as one JSON document, written
 * atomically; loading it re-registers the established CRDs' types.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

int state_save(struct sim *s, const char *file, struct gerr *err)
{
	json_t *doc = json_object();
	char *text;
	int r;

	json_object_set_new(doc, "kind", json_string("KubesimState"));
	json_object_set_new(doc, "resourceVersion",
			    json_integer((json_int_t)s->rv));
	json_object_set_new(doc, "ticks", json_integer(s->ticks));
	json_object_set_new(doc, "nextIP", json_integer(s->next_ip));
	json_object_set(doc, "controllers", s->ctl);
	json_object_set(doc, "objects", s->store);
	text = json_dumps(doc, JSON_COMPACT);
	r = util_write_atomic(file, text, strlen(text), 0600, err);
	free(text);
	json_decref(doc);
	return r;
}

int state_load(struct sim *s, const char *file, struct gerr *err)
{
	json_error_t jerr;
	json_t *doc = json_load_file(file, 0, &jerr), *objs, *crds, *v;
	const char *k;

	if (!doc)
		return gerr_setc(err, GERR_INPUT, "%s:%d:%d: %s", file,
				 jerr.line, jerr.column, jerr.text);
	objs = json_object_get(doc, "objects");
	if (strcmp(jstr(doc, "kind") ? jstr(doc, "kind") : "",
		   "KubesimState") || !json_is_object(objs)) {
		json_decref(doc);
		return gerr_setc(err, GERR_INPUT,
				 "%s: not a kubesim state file", file);
	}
	json_decref(s->store);
	s->store = json_incref(objs);
	s->rv = (uint64_t)json_integer_value(json_object_get(doc,
							     "resourceVersion"));
	s->ticks = json_integer_value(json_object_get(doc, "ticks"));
	if (json_integer_value(json_object_get(doc, "nextIP")))
		s->next_ip = (uint32_t)json_integer_value(
			json_object_get(doc, "nextIP"));
	if (json_is_object(json_object_get(doc, "controllers"))) {
		json_decref(s->ctl);
		s->ctl = json_incref(json_object_get(doc, "controllers"));
	}
	crds = json_object_get(objs,
			       "apiextensions.k8s.io/customresourcedefinitions");
	/* established CRDs serve again; the others establish after the
	 * delay, as if just written */
	json_object_foreach(crds, k, v) {
		types_set_crd(s, k, v);
		crd_changed(s, v);
	}
	json_decref(doc);
	return 0;
}
