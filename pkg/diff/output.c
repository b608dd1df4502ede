/* The plan as text, as JSON, and as a saved plan file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/diff/internal.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"

#define SCHEMA_VERSION 1
#define STRATEGIC "application/strategic-merge-patch+json"
#define MERGE "application/merge-patch+json"

#define C_RESET "\033[0m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_BOLD "\033[1m"

static const char *const action_words[] = { "  unchanged", "+ create",
					     "~ update", "- delete" };
static const char *const action_colors[] = { "", C_GREEN, C_YELLOW, C_RED };

static void write_diff_lines(const char *diff, unsigned flags,
			     struct strbuf *out)
{
	while (diff && *diff) {
		const char *nl = strchr(diff, '\n');
		size_t len = nl ? (size_t)(nl - diff) : strlen(diff);
		const char *color = NULL;

		if (flags & DIFF_COLOR) {
			switch (*diff) {
			case '@': color = C_CYAN; break;
			case '-': color = C_RED; break;
			case '+': color = C_GREEN; break;
			}
		}
		if (color)
			strbuf_addstr(out, color);
		strbuf_add(out, diff, len);
		if (color)
			strbuf_addstr(out, C_RESET);
		strbuf_addch(out, '\n');
		diff += len + (nl ? 1 : 0);
	}
}

void diff_write_text(const struct diff_set *set, unsigned flags,
		     struct strbuf *out)
{
	for (size_t i = 0; i < set->nr; i++) {
		const struct diff_change *ch = &set->v[i];
		if (ch->action == DIFF_UNCHANGED)
			continue;
		if (flags & DIFF_COLOR)
			strbuf_addf(out, "%s%s%s%s %s\n", C_BOLD,
				    action_colors[ch->action],
				    action_words[ch->action], C_RESET, ch->id);
		else
			strbuf_addf(out, "%s %s\n", action_words[ch->action],
				    ch->id);
		write_diff_lines(ch->diff, flags, out);
		strbuf_addch(out, '\n');
	}
	strbuf_addf(out,
		    "Plan: %zu to create, %zu to update, %zu to delete, %zu "
		    "unchanged.\n",
		    set->count[DIFF_CREATE], set->count[DIFF_UPDATE],
		    set->count[DIFF_DELETE], set->count[DIFF_UNCHANGED]);
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *ref_or_null(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

static json_t *change_json(const struct diff_change *ch, int saved)
{
	json_t *o = json_object(), *changes = json_array();

	json_object_set_new(o, "id", json_string(ch->id));
	json_object_set_new(o, "apiVersion", json_string(ch->api_version));
	json_object_set_new(o, "kind", json_string(ch->kind));
	json_object_set_new(o, "namespace",
			    *ch->namespace ? json_string(ch->namespace)
					   : json_null());
	json_object_set_new(o, "name", json_string(ch->name));
	json_object_set_new(o, "action",
			    json_string(diff_action_name(ch->action)));
	json_object_set_new(o, "source", string_or_null(ch->source));
	json_object_set_new(o, "resourceVersion",
			    string_or_null(ch->resource_version));
	for (size_t i = 0; i < ch->nr_paths; i++) {
		const struct diff_path *p = &ch->paths[i];
		json_t *c = json_object();
		json_object_set_new(c, "path", json_string(p->path));
		json_object_set_new(c, "op", json_string(diff_op_name(p->op)));
		if (p->before)
			json_object_set(c, "before", p->before);
		if (p->after)
			json_object_set(c, "after", p->after);
		json_array_append_new(changes, c);
	}
	json_object_set_new(o, "changes", changes);
	json_object_set_new(o, "diff", string_or_null(ch->diff));
	if (saved) {
		json_object_set_new(o, "uid", string_or_null(ch->uid));
		json_object_set_new(o, "desired", ref_or_null(ch->desired));
		json_object_set_new(o, "patch", ref_or_null(ch->patch));
		json_object_set_new(o, "patchType",
				    string_or_null(ch->patch_type));
	}
	return o;
}

static json_t *set_json(const struct diff_set *set, int saved)
{
	json_t *doc = json_object(), *summary = json_object();
	json_t *objects = json_array();

	json_object_set_new(doc, "kind",
			    json_string(saved ? "SavedPlan" : "Plan"));
	json_object_set_new(doc, "version", json_integer(SCHEMA_VERSION));
	json_object_set_new(doc, "server", string_or_null(set->server));
	json_object_set_new(doc, "context", string_or_null(set->context));
	json_object_set_new(doc, "namespace", string_or_null(set->namespace));
	for (int a = DIFF_CREATE; a <= DIFF_DELETE; a++)
		json_object_set_new(summary, diff_action_name(a),
				    json_integer((json_int_t)set->count[a]));
	json_object_set_new(
		summary, "unchanged",
		json_integer((json_int_t)set->count[DIFF_UNCHANGED]));
	json_object_set_new(doc, "summary", summary);
	for (size_t i = 0; i < set->nr; i++)
		json_array_append_new(objects, change_json(&set->v[i], saved));
	json_object_set_new(doc, "objects", objects);
	return doc;
}

void diff_write_json(const struct diff_set *set, struct strbuf *out)
{
	json_t *doc = set_json(set, 0);
	yaml_write_json(out, doc, YAML_JSON_PRETTY);
	strbuf_addch(out, '\n');
	json_decref(doc);
}

json_t *diff_set_to_json(const struct diff_set *set)
{
	return set_json(set, 0);
}

int diff_save(const struct diff_set *set, const char *file,
	      struct gerr *err)
{
	struct strbuf text = STRBUF_INIT;
	char *tmp = xasprintf("%s.tmpXXXXXX", file);
	json_t *doc = set_json(set, 1);
	int fd, rc = -1;

	yaml_write_json(&text, doc, YAML_JSON_PRETTY);
	strbuf_addch(&text, '\n');
	json_decref(doc);
	/* mkstemp creates the file with mode 0600: it holds Secret data */
	fd = mkstemp(tmp);
	if (fd < 0) {
		gerr_setc(err, GERR_IO, "%s: cannot write the plan: %s", file,
			  strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < text.len;) {
		ssize_t n = write(fd, text.buf + off, text.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gerr_setc(err, GERR_IO, "%s: cannot write the plan: %s",
				  file, strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, file) < 0) {
		gerr_setc(err, GERR_IO, "%s: cannot write the plan: %s", file,
			  strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	strbuf_release(&text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading a saved plan                                                 */

/* A string member (or null when allowed); a copy in *out (NULL for
 * null). */
static int get_string(const json_t *o, const char *key, int nullable,
		      char **out, struct gerr *err)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (json_is_string(v)) {
		*out = xstrdup(json_string_value(v));
		return 0;
	}
	if (nullable && (!v || json_is_null(v)))
		return 0;
	return gerr_setc(err, GERR_INPUT, "%s must be a string%s", key,
			 nullable ? " or null" : "");
}

static int load_paths(const json_t *changes, struct diff_change *ch,
		      struct gerr *err)
{
	const json_t *c;
	size_t i, alloc = 0;

	if (!json_is_array(changes))
		return gerr_setc(err, GERR_INPUT, "changes must be a list");
	json_array_foreach(changes, i, c) {
		const char *path = json_string_value(json_object_get(c, "path"));
		const char *op = json_string_value(json_object_get(c, "op"));
		int o;
		for (o = DIFF_OP_ADD; o <= DIFF_OP_REPLACE; o++)
			if (op && !strcmp(op, diff_op_name(o)))
				break;
		if (!path || o > DIFF_OP_REPLACE)
			return gerr_setc(err, GERR_INPUT,
					 "changes[%zu] needs a path and an op "
					 "(add, remove or replace)",
					 i);
		ALLOC_GROW(ch->paths, ch->nr_paths + 1, alloc);
		struct diff_path *p = &ch->paths[ch->nr_paths++];
		json_t *before = json_object_get(c, "before");
		json_t *after = json_object_get(c, "after");
		p->path = xstrdup(path);
		p->op = (enum diff_op)o;
		p->before = before ? json_incref(before) : NULL;
		p->after = after ? json_incref(after) : NULL;
	}
	return 0;
}

static int load_change(const json_t *o, struct diff_change *ch,
		       struct gerr *err)
{
	const char *action = json_string_value(json_object_get(o, "action"));
	json_t *desired = json_object_get(o, "desired");
	json_t *patch = json_object_get(o, "patch");
	char *patch_type = NULL;
	char group[256];
	int a;

	if (!json_is_object(o))
		return gerr_setc(err, GERR_INPUT, "must be an object");
	for (a = 0; a < DIFF_NR_ACTIONS; a++)
		if (action && !strcmp(action, diff_action_name(a)))
			break;
	if (a == DIFF_NR_ACTIONS)
		return gerr_setc(err, GERR_INPUT,
				 "action must be create, update, delete or "
				 "unchanged");
	ch->action = (enum diff_action)a;
	if (get_string(o, "id", 0, &ch->id, err) < 0 ||
	    get_string(o, "apiVersion", 0, &ch->api_version, err) < 0 ||
	    get_string(o, "kind", 0, &ch->kind, err) < 0 ||
	    get_string(o, "name", 0, &ch->name, err) < 0 ||
	    get_string(o, "namespace", 1, &ch->namespace, err) < 0 ||
	    get_string(o, "source", 1, &ch->source, err) < 0 ||
	    get_string(o, "resourceVersion", 1, &ch->resource_version, err) <
		    0 ||
	    get_string(o, "uid", 1, &ch->uid, err) < 0 ||
	    get_string(o, "diff", 1, &ch->diff, err) < 0 ||
	    get_string(o, "patchType", 1, &patch_type, err) < 0)
		return -1;
	if (!ch->namespace)
		ch->namespace = xstrdup("");
	{
		json_t *tmp = json_pack("{ss}", "apiVersion", ch->api_version);
		ch->group = xstrdup(obj_group(tmp, group, sizeof(group)));
		json_decref(tmp);
	}
	if (ch->action != DIFF_DELETE && !json_is_object(desired)) {
		gerr_setc(err, GERR_INPUT, "no desired object");
		goto fail;
	}
	if (ch->action != DIFF_CREATE && !ch->resource_version) {
		gerr_setc(err, GERR_INPUT,
			  "no resourceVersion of the live object");
		goto fail;
	}
	if (ch->action == DIFF_UPDATE) {
		if (!json_is_object(patch) || !patch_type) {
			gerr_setc(err, GERR_INPUT,
				  "an update needs a patch and its patchType");
			goto fail;
		}
		/* the change points at a constant, as diff_compute's do */
		if (!strcmp(patch_type, STRATEGIC)) {
			ch->patch_type = STRATEGIC;
		} else if (!strcmp(patch_type, MERGE)) {
			ch->patch_type = MERGE;
		} else {
			gerr_setc(err, GERR_INPUT, "unknown patchType \"%s\"",
				  patch_type);
			goto fail;
		}
		ch->patch = json_incref(patch);
	}
	free(patch_type);
	if (json_is_object(desired))
		ch->desired = json_incref(desired);
	return load_paths(json_object_get(o, "changes"), ch, err);
fail:
	free(patch_type);
	return -1;
}

int diff_load(const char *file, struct diff_set *set, struct gerr *err)
{
	size_t len;
	char *text = source_read_file(file, &len, err);
	json_error_t je;
	json_t *doc, *objects, *o;
	size_t i;
	int rc = -1;

	if (!text)
		return -1;
	doc = json_loadb(text, len, 0, &je);
	free(text);
	if (!doc)
		return gerr_at(err, file, je.line, je.column,
			       "not a saved plan: %s", je.text);
	if (!json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "kind")) ||
	    strcmp(json_string_value(json_object_get(doc, "kind")),
		   "SavedPlan")) {
		gerr_setc(err, GERR_INPUT,
			  "%s: not a saved plan (kind is not SavedPlan)", file);
		goto out;
	}
	if (json_integer_value(json_object_get(doc, "version")) !=
	    SCHEMA_VERSION) {
		gerr_setc(err, GERR_INPUT,
			  "%s: saved plan version %lld is not supported "
			  "(this gantry reads version %d)",
			  file,
			  (long long)json_integer_value(
				  json_object_get(doc, "version")),
			  SCHEMA_VERSION);
		goto out;
	}
	if (get_string(doc, "server", 1, &set->server, err) < 0 ||
	    get_string(doc, "context", 1, &set->context, err) < 0 ||
	    get_string(doc, "namespace", 1, &set->namespace, err) < 0) {
		gerr_prefix(err, "%s", file);
		goto out;
	}
	objects = json_object_get(doc, "objects");
	if (!json_is_array(objects)) {
		gerr_setc(err, GERR_INPUT, "%s: objects must be a list", file);
		goto out;
	}
	json_array_foreach(objects, i, o) {
		if (load_change(o, diff_set_push(set), err) < 0) {
			gerr_prefix(err, "%s: objects[%zu]", file, i);
			goto out;
		}
	}
	diff_set_count(set);
	rc = 0;
out:
	json_decref(doc);
	return rc;
}
