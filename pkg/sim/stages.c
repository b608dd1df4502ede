/*
 * pkg/sim: the stages file — rules that play an operator for custom
 * resources. Each rule matches a group, a kind and optionally a name
 * (POSIX extended regex); its steps, each due a number of ticks after the
 * controller first saw the object's current generation, are merged into
 * the object's status (JSON merge patch) in order:
 *
 *   stages:
 *   - group: volley.io
 *     kind: VolleyApplication
 *     name: "^prod-"
 *     observedGeneration: true
 *     steps:
 *     - {after: 1, status: {phase: Pending}}
 *     - {after: 4, status: {phase: Running}}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/merge.h"
#include "pkg/sim/internal.h"
#include "pkg/yaml/yaml.h"

static int fail_at(const struct yaml_doc *doc, const char *file,
		   const char *ptr, struct gerr *err, const char *msg)
{
	int line = 0, col = 0;

	yaml_doc_position(doc, ptr, &line, &col);
	return gerr_at(err, file, line, col, "%s", msg);
}

static int load_rule(struct stage_rule *r, const json_t *v,
		     const struct yaml_doc *doc, const char *file, size_t idx,
		     struct gerr *err)
{
	char ptr[64];
	const char *kind = jstr(v, "kind"), *group = jstr(v, "group");
	const char *name = jstr(v, "name");
	const json_t *steps = json_object_get(v, "steps"), *st;
	size_t i;

	snprintf(ptr, sizeof(ptr), "/stages/%zu", idx);
	if (!json_is_object(v))
		return fail_at(doc, file, ptr, err,
			       "a stage rule must be a mapping");
	if (!kind || !*kind)
		return fail_at(doc, file, ptr, err,
			       "a stage rule needs a kind");
	if (!json_is_array(steps) || !json_array_size(steps))
		return fail_at(doc, file, ptr, err,
			       "a stage rule needs a list of steps");
	r->group = xstrdup(group ? group : "");
	r->kind = xstrdup(kind);
	r->observed_generation =
		json_is_true(json_object_get(v, "observedGeneration"));
	if (name) {
		int rc = regcomp(&r->re, name, REG_EXTENDED | REG_NOSUB);

		if (rc) {
			char buf[128], msg[200];

			regerror(rc, &r->re, buf, sizeof(buf));
			snprintf(msg, sizeof(msg), "name: bad regex: %s", buf);
			snprintf(ptr, sizeof(ptr), "/stages/%zu/name", idx);
			return fail_at(doc, file, ptr, err, msg);
		}
		r->has_re = 1;
		r->name_re = xstrdup(name);
	}
	r->steps = xcalloc(json_array_size(steps), sizeof(*r->steps));
	json_array_foreach(steps, i, st) {
		const json_t *after = json_object_get(st, "after");

		snprintf(ptr, sizeof(ptr), "/stages/%zu/steps/%zu", idx, i);
		if (!json_is_integer(after) || json_integer_value(after) < 0)
			return fail_at(doc, file, ptr, err,
				       "a step needs after: a number of ticks "
				       "(0 or more)");
		if (!json_is_object(json_object_get(st, "status")))
			return fail_at(doc, file, ptr, err,
				       "a step needs status: a mapping to "
				       "merge into the status");
		r->steps[r->nsteps].after = (long)json_integer_value(after);
		r->steps[r->nsteps].status =
			json_incref(json_object_get(st, "status"));
		r->nsteps++;
	}
	return 0;
}

int stages_load(struct sim *s, const char *file, struct gerr *err)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	struct strbuf text = STRBUF_INIT;
	FILE *f = fopen(file, "rb");
	char buf[8192];
	size_t n, i;
	const json_t *rules, *v;
	int ret = -1;

	if (!f)
		return gerr_setc(err, GERR_IO, "%s: %s", file, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&text, buf, n);
	fclose(f);
	if (yaml_parse(text.buf, text.len, file, YAML_POSITIONS, &docs, err) <
	    0)
		goto out;
	if (docs.nr != 1 || !json_is_object(docs.v[0].value) ||
	    !json_is_array(json_object_get(docs.v[0].value, "stages"))) {
		gerr_at(err, file, docs.nr ? docs.v[0].line : 1,
			docs.nr ? docs.v[0].col : 1,
			"expected one document with a list under 'stages'");
		goto out;
	}
	rules = json_object_get(docs.v[0].value, "stages");
	s->stages = xcalloc(json_array_size(rules) + 1, sizeof(*s->stages));
	json_array_foreach(rules, i, v) {
		s->nstages++;
		if (load_rule(&s->stages[i], v, &docs.v[0], file, i, err) < 0)
			goto out;
	}
	ret = 0;
out:
	yaml_docs_clear(&docs);
	strbuf_release(&text);
	return ret;
}

void stages_free(struct sim *s)
{
	for (size_t i = 0; i < s->nstages; i++) {
		struct stage_rule *r = &s->stages[i];

		free(r->group);
		free(r->kind);
		free(r->name_re);
		if (r->has_re)
			regfree(&r->re);
		for (size_t j = 0; j < r->nsteps; j++)
			json_decref(r->steps[j].status);
		free(r->steps);
	}
	free(s->stages);
	s->stages = NULL;
	s->nstages = 0;
}

/* Ticks since the current generation was first seen (controllers.c keeps
 * its own memory; stages keep theirs under "stages:<uid>"). */
static long long elapsed(struct sim *s, const json_t *obj)
{
	char key[128];
	json_t *st;
	json_int_t gen = json_integer_value(jpath(obj, "metadata.generation"));

	snprintf(key, sizeof(key), "stages:%s",
		 jstr(obj, "metadata.uid") ? jstr(obj, "metadata.uid") : "");
	st = jobj(s->ctl, key);
	if (!json_object_get(st, "gen") ||
	    json_integer_value(json_object_get(st, "gen")) != gen) {
		json_object_set_new(st, "gen", json_integer(gen));
		json_object_set_new(st, "since", json_integer(s->ticks));
	}
	return s->ticks - json_integer_value(json_object_get(st, "since"));
}

static void apply_rule(struct sim *s, const struct stage_rule *r,
		       const struct rtype *t)
{
	json_t *all = store_list(s, t, NULL), *o;
	size_t i;

	json_array_foreach(all, i, o) {
		long long e;
		json_t *status, *obj;
		const char *name = jstr(o, "metadata.name");

		if (jpath(o, "metadata.deletionTimestamp"))
			continue;
		if (r->has_re && regexec(&r->re, name ? name : "", 0, NULL, 0))
			continue;
		e = elapsed(s, o);
		if (r->steps[0].after > e)
			continue; /* nothing due yet */
		status = json_object_get(o, "status");
		status = status ? json_incref(status) : json_object();
		for (size_t j = 0; j < r->nsteps; j++) {
			json_t *next;

			if (r->steps[j].after > e)
				break;
			next = merge_apply_merge_patch(status,
						       r->steps[j].status);
			json_decref(status);
			status = next;
		}
		if (r->observed_generation)
			json_object_set(status, "observedGeneration",
					jpath(o, "metadata.generation"));
		obj = json_copy(o);
		json_object_set_new(obj, "status", status);
		write_controller(s, t, obj);
	}
	json_decref(all);
}

void stages_tick(struct sim *s)
{
	for (size_t i = 0; i < s->nstages; i++) {
		const struct stage_rule *r = &s->stages[i];

		for (size_t k = 0; k < s->ntypes; k++) {
			const struct rtype *t = s->types[k];

			if (!(t->flags & RT_CUSTOM) || strcmp(t->kind, r->kind) ||
			    (*r->group && strcmp(t->group, r->group)) ||
			    strcmp(t->storage_version, t->version))
				continue;
			apply_rule(s, r, t);
		}
	}
}
