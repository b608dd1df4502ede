/*
 * pkg/sim: PATCH bodies — JSON merge patch, JSON patch and strategic merge
 * patch, all through pkg/merge (the one implementation of patch semantics
 * in gantry), with the server's refusals: strategic merge patches on
 * custom resources are 415 Unsupported Media Type. Server-side apply
 * (application/apply-patch+yaml) is approximated: the applied
 * configuration merges into the object as a strategic merge patch.
 */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/merge.h"
#include "pkg/sim/internal.h"
#include "pkg/yaml/yaml.h"

static json_t *unsupported(const struct rtype *t)
{
	return status_failure(
		415, "UnsupportedMediaType",
		(t->flags & RT_CUSTOM)
			? "the body of the request was in an unknown format - "
			  "accepted media types include: "
			  "application/json-patch+json, "
			  "application/merge-patch+json, "
			  "application/apply-patch+yaml"
			: "the body of the request was in an unknown format - "
			  "accepted media types include: "
			  "application/json-patch+json, "
			  "application/merge-patch+json, "
			  "application/apply-patch+yaml, "
			  "application/strategic-merge-patch+json",
		NULL);
}

/* errors.NewGenericServerResponse(422, ...) as the server answers a JSON
 * patch that does not apply */
static json_t *unprocessable(const char *why)
{
	json_t *d = json_object(), *causes = json_array(), *c = json_object();

	json_object_set_new(c, "reason", json_string("UnexpectedServerResponse"));
	json_object_set_new(c, "message", json_string(why));
	json_array_append_new(causes, c);
	json_object_set_new(d, "causes", causes);
	return status_failure(422, "Invalid",
			      "the server rejected our request due to an error "
			      "in our request", d);
}

static int media_is(const char *ctype, const char *want)
{
	size_t n = strlen(want);

	return ctype && !strncmp(ctype, want, n) &&
	       (!ctype[n] || ctype[n] == ';' || ctype[n] == ' ');
}

json_t *patch_apply(struct sim *s, const struct rtype *t, const json_t *cur,
		    const char *ctype, const char *body, size_t len,
		    json_t **status)
{
	struct gerr err = GERR_INIT;
	json_t *patch, *out = NULL;
	json_error_t jerr;
	int smp = media_is(ctype, "application/strategic-merge-patch+json");
	int apply = media_is(ctype, "application/apply-patch+yaml");

	(void)s;
	if (!media_is(ctype, "application/merge-patch+json") &&
	    !media_is(ctype, "application/json-patch+json") && !smp &&
	    !apply) {
		*status = unsupported(t);
		return NULL;
	}
	if (smp && !strcmp(t->kind, "Scale")) {
		smp = 0;
		ctype = "application/merge-patch+json";
	}
	if (smp && (t->flags & RT_CUSTOM)) {
		*status = unsupported(t);
		return NULL;
	}
	if (apply)
		patch = yaml_parse_value(body ? body : "", len, "patch", &err);
	else
		patch = json_loadb(body ? body : "", len, JSON_DECODE_ANY,
				   &jerr);
	if (!patch) {
		struct strbuf m = STRBUF_INIT;

		if (apply)
			strbuf_addf(&m, "error decoding YAML: %s",
				    gerr_msg(&err));
		else
			strbuf_addf(&m, "error decoding patch: %s", jerr.text);
		*status = status_bad_request(m.buf);
		strbuf_release(&m);
		gerr_clear(&err);
		return NULL;
	}
	if (media_is(ctype, "application/merge-patch+json")) {
		out = merge_apply_merge_patch(cur, patch);
	} else if (media_is(ctype, "application/json-patch+json")) {
		if (!json_is_array(patch))
			*status = status_bad_request(
				"json: cannot unmarshal object into Go value "
				"of type jsonpatch.Patch");
		else if (!(out = merge_apply_json_patch(cur, patch, &err)))
			*status = unprocessable(gerr_msg(&err));
	} else {
		const struct merge_type *mt =
			(t->flags & RT_CUSTOM)
				? NULL
				: merge_schema_lookup(merge_schema_builtin(),
						      t->group, t->kind);

		out = merge_apply_strategic(mt, cur, patch, &err);
		if (!out)
			*status = status_bad_request(gerr_msg(&err));
	}
	gerr_clear(&err);
	json_decref(patch);
	return out;
}
