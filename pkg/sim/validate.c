/*
 * pkg/sim: validation, with the field paths and messages of
 * k8s.io/apimachinery/pkg/util/validation and the API groups' validation
 * packages, so that a 422 from kubesim reads as one from kube-apiserver.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

/* validation.RegexError: "msg (e.g. 'a',  or 'b', regex used for
 * validation is 'R')" */
static void regex_error(struct strbuf *out, const char *msg, const char *re,
			const char *const *examples)
{
	strbuf_addf(out, "%s (e.g. ", msg);
	for (size_t i = 0; examples[i]; i++)
		strbuf_addf(out, "%s'%s', ", i ? " or " : "", examples[i]);
	strbuf_addf(out, "regex used for validation is '%s')", re);
}

static int alnum_lower(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static int is_label(const char *s, size_t n, int alpha_first)
{
	if (!n || !alnum_lower(s[0]) || !alnum_lower(s[n - 1]))
		return 0;
	if (alpha_first && !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!alnum_lower(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int valid_dns_label(const char *s, struct strbuf *why)
{
	static const char *const ex[] = { "my-name", "123-abc", NULL };
	size_t n = strlen(s);
	int ok = 1;

	if (n > 63) {
		strbuf_addstr(why, "must be no more than 63 characters");
		ok = 0;
	}
	if (!is_label(s, n, 0)) {
		if (!ok)
			strbuf_addch(why, '\n');
		regex_error(why, "a lowercase RFC 1123 label must consist of "
				 "lower case alphanumeric characters or '-', "
				 "and must start and end with an alphanumeric "
				 "character",
			    "[a-z0-9]([-a-z0-9]*[a-z0-9])?", ex);
		ok = 0;
	}
	return ok;
}

static int valid_dns1035(const char *s, struct strbuf *why)
{
	static const char *const ex[] = { "my-name", "abc-123", NULL };
	size_t n = strlen(s);
	int ok = 1;

	if (n > 63) {
		strbuf_addstr(why, "must be no more than 63 characters");
		ok = 0;
	}
	if (!is_label(s, n, 1)) {
		if (!ok)
			strbuf_addch(why, '\n');
		regex_error(why, "a DNS-1035 label must consist of lower case "
				 "alphanumeric characters or '-', start with "
				 "an alphabetic character, and end with an "
				 "alphanumeric character",
			    "[a-z]([-a-z0-9]*[a-z0-9])?", ex);
		ok = 0;
	}
	return ok;
}

int valid_dns_subdomain(const char *s, struct strbuf *why)
{
	static const char *const ex[] = { "example.com", NULL };
	size_t n = strlen(s);
	int ok = n <= 253, parts_ok = n > 0;
	const char *p = s;

	if (!ok)
		strbuf_addstr(why, "must be no more than 253 characters");
	while (parts_ok && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (!is_label(p, len, 0))
			parts_ok = 0;
		p += len;
		if (dot) {
			p++;
			if (!*p)
				parts_ok = 0;
		}
	}
	if (!parts_ok) {
		if (!ok)
			strbuf_addch(why, '\n');
		regex_error(why, "a lowercase RFC 1123 subdomain must consist "
				 "of lower case alphanumeric characters, '-' "
				 "or '.', and must start and end with an "
				 "alphanumeric character",
			    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]"
			    "([-a-z0-9]*[a-z0-9])?)*", ex);
	}
	return ok && parts_ok;
}

/* one field error per message line */
static void invalid_lines(struct ferrs *e, const char *field,
			  const char *value, const char *why)
{
	const char *p = why;

	while (*p) {
		const char *nl = strchr(p, '\n');
		char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));

		ferr_invalid_str(e, field, value, line);
		free(line);
		p = nl ? nl + 1 : p + strlen(p);
	}
}

static int alnum(int c)
{
	return isalnum((unsigned char)c);
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static int name_part_ok(const char *s, size_t n)
{
	if (!n || !alnum(s[0]) || !alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!alnum(s[i]) && !strchr("-_.", s[i]))
			return 0;
	return 1;
}

static void qualified_name(struct ferrs *e, const char *field, const char *k)
{
	static const char *const ex[] = { "MyName", "my.name", "123-abc",
					  NULL };
	const char *slash = strchr(k, '/');
	const char *name = slash ? slash + 1 : k;
	struct strbuf why = STRBUF_INIT;

	if (slash) {
		char *prefix = xstrndup(k, (size_t)(slash - k));
		struct strbuf pw = STRBUF_INIT;

		if (!*prefix)
			strbuf_addstr(&why, "prefix part must be non-empty\n");
		else if (!valid_dns_subdomain(prefix, &pw))
			strbuf_addf(&why, "prefix part %s\n", pw.buf);
		strbuf_release(&pw);
		free(prefix);
	}
	if (!*name) {
		strbuf_addstr(&why, "name part must be non-empty\n");
	} else {
		if (strlen(name) > 63)
			strbuf_addstr(&why, "name part must be no more than 63 "
					    "characters\n");
		if (!name_part_ok(name, strlen(name))) {
			regex_error(&why, "name part must consist of "
					  "alphanumeric characters, '-', '_' "
					  "or '.', and must start and end with "
					  "an alphanumeric character",
				    "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]",
				    ex);
			strbuf_addch(&why, '\n');
		}
	}
	if (why.len)
		invalid_lines(e, field, k, why.buf);
	strbuf_release(&why);
}

static void label_value(struct ferrs *e, const char *field, const char *v)
{
	static const char *const ex[] = { "MyValue", "my_value", "12345",
					  NULL };
	struct strbuf why = STRBUF_INIT;
	size_t n = strlen(v);

	if (n > 63)
		strbuf_addstr(&why, "must be no more than 63 characters\n");
	if (n && !name_part_ok(v, n)) {
		regex_error(&why, "a valid label must be an empty string or "
				  "consist of alphanumeric characters, '-', '_' "
				  "or '.', and must start and end with an "
				  "alphanumeric character",
			    "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", ex);
		strbuf_addch(&why, '\n');
	}
	if (why.len)
		invalid_lines(e, field, v, why.buf);
	strbuf_release(&why);
}

static void labels_check(struct ferrs *e, const char *field,
			 const json_t *labels)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)labels, k, v) {
		qualified_name(e, field, k);
		if (json_is_string(v))
			label_value(e, field, json_string_value(v));
	}
}

void go_string_map(struct strbuf *out, const json_t *map)
{
	const char **keys = xmalloc((json_object_size(map) + 1) *
				    sizeof(*keys));
	size_t n = 0;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)map, k, v)
		keys[n++] = k;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0;
		     j--) {
			const char *t = keys[j];

			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	if (!map) {
		strbuf_addstr(out, "map[string]string(nil)");
		free(keys);
		return;
	}
	strbuf_addstr(out, "map[string]string{");
	for (size_t i = 0; i < n; i++) {
		const char *sv = json_string_value(json_object_get(map,
								   keys[i]));

		if (i)
			strbuf_addstr(out, ", ");
		go_quote(out, keys[i]);
		strbuf_addch(out, ':');
		go_quote(out, sv ? sv : "");
	}
	strbuf_addch(out, '}');
	free(keys);
}

void go_label_selector(struct strbuf *out, const json_t *sel)
{
	const json_t *ml = json_object_get(sel, "matchLabels");
	const json_t *me = json_object_get(sel, "matchExpressions");
	size_t i;
	json_t *r;

	strbuf_addstr(out, "v1.LabelSelector{MatchLabels:");
	go_string_map(out, ml);
	strbuf_addstr(out, ", MatchExpressions:");
	if (!json_is_array(me)) {
		strbuf_addstr(out, "[]v1.LabelSelectorRequirement(nil)}");
		return;
	}
	strbuf_addstr(out, "[]v1.LabelSelectorRequirement{");
	json_array_foreach(me, i, r) {
		size_t j;
		json_t *v;

		if (i)
			strbuf_addstr(out, ", ");
		strbuf_addstr(out, "v1.LabelSelectorRequirement{Key:");
		go_quote(out, jstr(r, "key") ? jstr(r, "key") : "");
		strbuf_addstr(out, ", Operator:");
		go_quote(out, jstr(r, "operator") ? jstr(r, "operator") : "");
		strbuf_addstr(out, ", Values:");
		if (!json_is_array(json_object_get(r, "values"))) {
			strbuf_addstr(out, "[]string(nil)}");
			continue;
		}
		strbuf_addstr(out, "[]string{");
		json_array_foreach(json_object_get(r, "values"), j, v) {
			if (j)
				strbuf_addstr(out, ", ");
			go_quote(out, json_string_value(v)
					      ? json_string_value(v) : "");
		}
		strbuf_addstr(out, "}}");
	}
	strbuf_addstr(out, "}}");
}

/* ---- object metadata ---- */

enum name_rule { NAME_SUBDOMAIN, NAME_LABEL, NAME_DNS1035, NAME_PATH };

static void name_check(struct ferrs *e, const char *name, enum name_rule r)
{
	struct strbuf why = STRBUF_INIT;
	int ok = 1;

	switch (r) {
	case NAME_SUBDOMAIN:
		ok = valid_dns_subdomain(name, &why);
		break;
	case NAME_LABEL:
		ok = valid_dns_label(name, &why);
		break;
	case NAME_DNS1035:
		ok = valid_dns1035(name, &why);
		break;
	case NAME_PATH:
		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			strbuf_addf(&why, "may not be '%s'", name);
			ok = 0;
		} else if (strchr(name, '/')) {
			strbuf_addstr(&why, "may not contain '/'");
			ok = 0;
		} else if (strchr(name, '%')) {
			strbuf_addstr(&why, "may not contain '%'");
			ok = 0;
		}
		break;
	}
	if (!ok)
		invalid_lines(e, "metadata.name", name, why.buf);
	strbuf_release(&why);
}

static enum name_rule name_rule_of(const struct rtype *t)
{
	if (!*t->group && (!strcmp(t->resource, "namespaces")))
		return NAME_LABEL;
	if (!*t->group && !strcmp(t->resource, "services"))
		return NAME_DNS1035;
	if (!strcmp(t->group, "rbac.authorization.k8s.io"))
		return NAME_PATH;
	return NAME_SUBDOMAIN;
}

static void meta_check(const struct rtype *t, const json_t *obj,
		       const json_t *old, struct ferrs *e)
{
	const char *name = jstr(obj, "metadata.name");
	const json_t *refs = jpath(obj, "metadata.ownerReferences"), *r;
	size_t i;

	if (!name || !*name)
		ferr_required(e, "metadata.name",
			      "name or generateName is required");
	else if (!old)
		name_check(e, name, name_rule_of(t));
	labels_check(e, "metadata.labels", jpath(obj, "metadata.labels"));
	{
		const char *k;
		json_t *v;

		json_object_foreach(jpath(obj, "metadata.annotations"), k, v)
			qualified_name(e, "metadata.annotations", k);
	}
	json_array_foreach(refs, i, r) {
		static const char *const req[] = { "apiVersion", "kind",
						   "name", "uid", NULL };
		for (size_t j = 0; req[j]; j++)
			if (!jstr(r, req[j]) || !*jstr(r, req[j])) {
				struct strbuf f = STRBUF_INIT;

				strbuf_addf(&f, "metadata.ownerReferences.%s",
					    req[j]);
				ferr_invalid_str(e, f.buf, "",
						 req[j][0] == 'u'
							 ? "uid must not be empty"
							 : "must not be empty");
				strbuf_release(&f);
			}
	}
}

/* ---- pods ---- */

static const char *const protocols[] = { "SCTP", "TCP", "UDP", NULL };

static long long int_of(const json_t *v, int *present)
{
	*present = json_is_integer(v);
	return json_integer_value(v);
}

static void port_range(struct ferrs *e, const char *field, const json_t *v)
{
	int present;
	long long p = int_of(v, &present);

	if (!present)
		ferr_required(e, field, NULL);
	else if (p < 1 || p > 65535)
		ferr_invalid_int(e, field, p,
				 "must be between 1 and 65535, inclusive");
}

static void one_of(struct ferrs *e, const char *field, const json_t *v,
		   const char *const *allowed)
{
	const char *s = json_string_value(v);

	if (!s)
		return;
	for (size_t i = 0; allowed[i]; i++)
		if (!strcmp(allowed[i], s))
			return;
	ferr_not_supported(e, field, s, allowed);
}

static void containers_check(const json_t *list, const char *path,
			     const json_t *volumes, struct strvec *names,
			     int required, struct ferrs *e)
{
	static const char *const pulls[] = { "Always", "IfNotPresent", "Never",
					     NULL };
	struct strbuf f = STRBUF_INIT;
	size_t i, j;
	json_t *c, *p, *m;

	if (required && !json_array_size(list)) {
		ferr_required(e, path, NULL);
		return;
	}
	json_array_foreach(list, i, c) {
		const char *name = jstr(c, "name");
		struct strvec port_names = STRVEC_INIT;

		strbuf_reset(&f);
		strbuf_addf(&f, "%s[%zu].name", path, i);
		if (!name || !*name) {
			ferr_required(e, f.buf, NULL);
		} else {
			struct strbuf why = STRBUF_INIT;

			if (!valid_dns_label(name, &why))
				invalid_lines(e, f.buf, name, why.buf);
			else if (strvec_find(names, name) >= 0)
				ferr_duplicate(e, f.buf, name);
			strvec_push(names, name);
			strbuf_release(&why);
		}
		strbuf_reset(&f);
		strbuf_addf(&f, "%s[%zu].image", path, i);
		if (!jstr(c, "image") || !*jstr(c, "image"))
			ferr_required(e, f.buf, NULL);
		strbuf_reset(&f);
		strbuf_addf(&f, "%s[%zu].imagePullPolicy", path, i);
		one_of(e, f.buf, json_object_get(c, "imagePullPolicy"), pulls);
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			const char *pn = jstr(p, "name");

			strbuf_reset(&f);
			strbuf_addf(&f, "%s[%zu].ports[%zu].containerPort",
				    path, i, j);
			port_range(e, f.buf, json_object_get(p,
							     "containerPort"));
			strbuf_reset(&f);
			strbuf_addf(&f, "%s[%zu].ports[%zu].protocol", path, i,
				    j);
			one_of(e, f.buf, json_object_get(p, "protocol"),
			       protocols);
			if (pn && *pn) {
				strbuf_reset(&f);
				strbuf_addf(&f, "%s[%zu].ports[%zu].name",
					    path, i, j);
				if (strvec_find(&port_names, pn) >= 0)
					ferr_duplicate(e, f.buf, pn);
				else if (strlen(pn) > 15)
					ferr_invalid_str(e, f.buf, pn,
							 "must be no more than "
							 "15 characters");
				strvec_push(&port_names, pn);
			}
		}
		strvec_clear(&port_names);
		json_array_foreach(json_object_get(c, "volumeMounts"), j, m) {
			const char *vn = jstr(m, "name");
			size_t k;
			json_t *vol;
			int found = 0;

			json_array_foreach(volumes, k, vol)
				if (vn && jstr(vol, "name") &&
				    !strcmp(vn, jstr(vol, "name")))
					found = 1;
			strbuf_reset(&f);
			strbuf_addf(&f, "%s[%zu].volumeMounts[%zu].name", path,
				    i, j);
			if (!vn || !*vn) {
				ferr_required(e, f.buf, NULL);
			} else if (!found) {
				struct strbuf q = STRBUF_INIT;

				go_quote(&q, vn);
				ferr_add(e, FERR_NOT_FOUND, f.buf, q.buf, NULL);
				strbuf_release(&q);
			}
			strbuf_reset(&f);
			strbuf_addf(&f, "%s[%zu].volumeMounts[%zu].mountPath",
				    path, i, j);
			if (!jstr(m, "mountPath") || !*jstr(m, "mountPath"))
				ferr_required(e, f.buf, NULL);
		}
	}
	strbuf_release(&f);
}

void validate_pod_spec(const json_t *spec, const char *path, struct ferrs *e)
{
	static const char *const restarts[] = { "Always", "OnFailure", "Never",
						NULL };
	static const char *const dns[] = { "ClusterFirstWithHostNet",
					   "ClusterFirst", "Default", "None",
					   NULL };
	struct strbuf f = STRBUF_INIT;
	struct strvec names = STRVEC_INIT, vols = STRVEC_INIT;
	const json_t *volumes = json_object_get(spec, "volumes"), *v;
	size_t i;

	json_array_foreach(volumes, i, v) {
		const char *vn = jstr(v, "name");

		strbuf_reset(&f);
		strbuf_addf(&f, "%s.volumes[%zu].name", path, i);
		if (!vn || !*vn) {
			ferr_required(e, f.buf, NULL);
			continue;
		}
		if (strvec_find(&vols, vn) >= 0)
			ferr_duplicate(e, f.buf, vn);
		else {
			struct strbuf why = STRBUF_INIT;

			if (!valid_dns_label(vn, &why))
				invalid_lines(e, f.buf, vn, why.buf);
			strbuf_release(&why);
		}
		strvec_push(&vols, vn);
	}
	strbuf_reset(&f);
	strbuf_addf(&f, "%s.containers", path);
	containers_check(json_object_get(spec, "containers"), f.buf, volumes,
			 &names, 1, e);
	strbuf_reset(&f);
	strbuf_addf(&f, "%s.initContainers", path);
	containers_check(json_object_get(spec, "initContainers"), f.buf,
			 volumes, &names, 0, e);
	strbuf_reset(&f);
	strbuf_addf(&f, "%s.restartPolicy", path);
	one_of(e, f.buf, json_object_get(spec, "restartPolicy"), restarts);
	strbuf_reset(&f);
	strbuf_addf(&f, "%s.dnsPolicy", path);
	one_of(e, f.buf, json_object_get(spec, "dnsPolicy"), dns);
	strvec_clear(&names);
	strvec_clear(&vols);
	strbuf_release(&f);
}

/* ---- workloads ---- */

static void selector_matches_template(const json_t *spec, const char *path,
				      struct ferrs *e)
{
	const json_t *sel = json_object_get(spec, "selector");
	const json_t *labels = jpath(spec, "template.metadata.labels");
	struct strbuf f = STRBUF_INIT, v = STRBUF_INIT;

	strbuf_addf(&f, "%s.selector", path);
	if (!json_is_object(sel)) {
		ferr_required(e, f.buf, NULL);
		goto out;
	}
	if (!json_object_size(json_object_get(sel, "matchLabels")) &&
	    !json_array_size(json_object_get(sel, "matchExpressions"))) {
		go_label_selector(&v, sel);
		ferr_add(e, FERR_INVALID, f.buf, v.buf,
			 "empty selector is invalid for deployment");
		goto out;
	}
	if (!selector_match_object(sel, labels)) {
		strbuf_reset(&f);
		strbuf_addf(&f, "%s.template.metadata.labels", path);
		go_string_map(&v, labels);
		ferr_add(e, FERR_INVALID, f.buf, v.buf,
			 "`selector` does not match template `labels`");
	}
out:
	strbuf_release(&f);
	strbuf_release(&v);
}

static void nonneg(struct ferrs *e, const char *field, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) < 0)
		ferr_invalid_int(e, field, json_integer_value(v),
				 "must be greater than or equal to 0");
}

static void selector_immutable(const json_t *spec, const json_t *old,
			       const char *field, struct ferrs *e)
{
	const json_t *a = json_object_get(spec, "selector");
	const json_t *b = jpath(old, "spec.selector");
	struct strbuf v = STRBUF_INIT;

	if (!old || json_equal(a, b))
		return;
	go_label_selector(&v, a);
	ferr_add(e, FERR_INVALID, field, v.buf, "field is immutable");
	strbuf_release(&v);
}

static void workload(const json_t *obj, const json_t *old, struct ferrs *e,
		     int has_replicas)
{
	const json_t *spec = json_object_get(obj, "spec");

	if (has_replicas)
		nonneg(e, "spec.replicas", json_object_get(spec, "replicas"));
	nonneg(e, "spec.minReadySeconds",
	       json_object_get(spec, "minReadySeconds"));
	nonneg(e, "spec.revisionHistoryLimit",
	       json_object_get(spec, "revisionHistoryLimit"));
	selector_matches_template(spec, "spec", e);
	/* A StatefulSet's containers mount its volumeClaimTemplates by name:
	 * the pod it makes has them as volumes, so they count as volumes. */
	json_t *pod = json_deep_copy(jpath(spec, "template.spec"));
	const json_t *claims = json_object_get(spec, "volumeClaimTemplates");
	const json_t *c;
	size_t i;
	json_array_foreach(claims, i, c) {
		const char *n = jstr(json_object_get(c, "metadata"), "name");
		if (!json_is_object(pod) || !n)
			continue;
		json_t *vols = json_object_get(pod, "volumes"), *v;
		size_t k;
		int have = 0;
		if (!json_is_array(vols)) {
			vols = json_array();
			json_object_set_new(pod, "volumes", vols);
		}
		json_array_foreach(vols, k, v)
			have |= jstr(v, "name") && !strcmp(jstr(v, "name"), n);
		if (!have)
			json_array_append_new(vols,
				      json_pack("{s:s, s:{s:s}}", "name", n,
						"persistentVolumeClaim",
						"claimName", n));
	}
	validate_pod_spec(pod, "spec.template.spec", e);
	json_decref(pod);
	selector_immutable(spec, old, "spec.selector", e);
}

static void deployment(const json_t *obj, const json_t *old, struct ferrs *e)
{
	static const char *const types[] = { "Recreate", "RollingUpdate",
					     NULL };
	const json_t *st = jpath(obj, "spec.strategy");

	workload(obj, old, e, 1);
	one_of(e, "spec.strategy.type", json_object_get(st, "type"), types);
	if (jstr(st, "type") && !strcmp(jstr(st, "type"), "Recreate") &&
	    json_object_get(st, "rollingUpdate"))
		ferr_forbidden(e, "spec.strategy.rollingUpdate",
			       "may not be specified when strategy `type` is "
			       "'Recreate'");
	if (json_is_integer(jpath(obj, "spec.progressDeadlineSeconds")) &&
	    json_is_integer(jpath(obj, "spec.minReadySeconds")) &&
	    json_integer_value(jpath(obj, "spec.progressDeadlineSeconds")) <=
		    json_integer_value(jpath(obj, "spec.minReadySeconds")))
		ferr_invalid_int(e, "spec.progressDeadlineSeconds",
				 json_integer_value(jpath(
					 obj, "spec.progressDeadlineSeconds")),
				 "must be greater than minReadySeconds");
}

static void claim_spec(const json_t *spec, const char *path, struct ferrs *e)
{
	static const char *const modes[] = { "ReadOnlyMany", "ReadWriteMany",
					     "ReadWriteOnce",
					     "ReadWriteOncePod", NULL };
	struct strbuf f = STRBUF_INIT;
	size_t i;
	json_t *m;

	strbuf_addf(&f, "%s.accessModes", path);
	if (!json_array_size(json_object_get(spec, "accessModes")))
		ferr_required(e, f.buf, "at least 1 access mode is required");
	json_array_foreach(json_object_get(spec, "accessModes"), i, m)
		one_of(e, f.buf, m, modes);
	strbuf_reset(&f);
	strbuf_addf(&f, "%s.resources[storage]", path);
	if (!jpath(spec, "resources.requests.storage") &&
	    !json_object_get(spec, "dataSource"))
		ferr_required(e, f.buf, NULL);
	strbuf_release(&f);
}

static void statefulset(const json_t *obj, const json_t *old,
			struct ferrs *e)
{
	static const char *const pmp[] = { "OrderedReady", "Parallel", NULL };
	static const char *const allowed[] = {
		"replicas", "ordinals", "template", "updateStrategy",
		"persistentVolumeClaimRetentionPolicy", "minReadySeconds", NULL
	};
	const json_t *spec = json_object_get(obj, "spec"), *v;
	size_t i;

	workload(obj, old, e, 1);
	one_of(e, "spec.podManagementPolicy",
	       json_object_get(spec, "podManagementPolicy"), pmp);
	json_array_foreach(json_object_get(spec, "volumeClaimTemplates"), i,
			   v) {
		struct strbuf f = STRBUF_INIT;

		strbuf_addf(&f, "spec.volumeClaimTemplates[%zu].spec", i);
		claim_spec(json_object_get(v, "spec"), f.buf, e);
		strbuf_release(&f);
	}
	if (old) {
		json_t *a = json_deep_copy(spec), *b;

		b = json_deep_copy(json_object_get(old, "spec"));
		for (size_t j = 0; allowed[j]; j++) {
			json_object_del(a, allowed[j]);
			json_object_del(b, allowed[j]);
		}
		/* the selector has its own message above */
		json_object_del(a, "selector");
		json_object_del(b, "selector");
		if (!json_equal(a, b))
			ferr_forbidden(e, "spec",
				       "updates to statefulset spec for fields "
				       "other than 'replicas', 'ordinals', "
				       "'template', 'updateStrategy', "
				       "'persistentVolumeClaimRetentionPolicy' "
				       "and 'minReadySeconds' are forbidden");
		json_decref(a);
		json_decref(b);
	}
}

static void job(const json_t *obj, const json_t *old, struct ferrs *e)
{
	static const char *const restarts[] = { "OnFailure", "Never", NULL };
	const json_t *spec = json_object_get(obj, "spec");

	nonneg(e, "spec.parallelism", json_object_get(spec, "parallelism"));
	nonneg(e, "spec.completions", json_object_get(spec, "completions"));
	nonneg(e, "spec.backoffLimit", json_object_get(spec, "backoffLimit"));
	selector_matches_template(spec, "spec", e);
	validate_pod_spec(jpath(spec, "template.spec"), "spec.template.spec",
			  e);
	one_of(e, "spec.template.spec.restartPolicy",
	       jpath(spec, "template.spec.restartPolicy"), restarts);
	if (!old)
		return;
	selector_immutable(spec, old, "spec.selector", e);
	if (!json_equal(json_object_get(spec, "template"),
			jpath(old, "spec.template")))
		ferr_invalid_json(e, "spec.template",
				  json_object_get(spec, "template"),
				  "field is immutable");
}

static void cronjob(const json_t *obj, struct ferrs *e)
{
	static const char *const restarts[] = { "OnFailure", "Never", NULL };
	static const char *const policies[] = { "Allow", "Forbid", "Replace",
						NULL };
	const json_t *spec = json_object_get(obj, "spec");
	const char *sched = jstr(spec, "schedule");
	int fields = 0;

	if (!sched || !*sched) {
		ferr_required(e, "spec.schedule", NULL);
	} else if (sched[0] != '@') {
		for (const char *p = sched; *p;) {
			while (*p == ' ')
				p++;
			if (!*p)
				break;
			fields++;
			while (*p && *p != ' ')
				p++;
		}
		if (fields != 5) {
			struct strbuf d = STRBUF_INIT;

			strbuf_addf(&d, "expected exactly 5 fields, found %d: "
				    "%s", fields, sched);
			ferr_invalid_str(e, "spec.schedule", sched, d.buf);
			strbuf_release(&d);
		}
	}
	one_of(e, "spec.concurrencyPolicy",
	       json_object_get(spec, "concurrencyPolicy"), policies);
	validate_pod_spec(jpath(spec, "jobTemplate.spec.template.spec"),
			  "spec.jobTemplate.spec.template.spec", e);
	one_of(e, "spec.jobTemplate.spec.template.spec.restartPolicy",
	       jpath(spec, "jobTemplate.spec.template.spec.restartPolicy"),
	       restarts);
}

/* ---- core ---- */

static void service(const json_t *obj, const json_t *old, struct ferrs *e)
{
	static const char *const types[] = { "ClusterIP", "ExternalName",
					     "LoadBalancer", "NodePort", NULL };
	static const char *const aff[] = { "ClientIP", "None", NULL };
	const json_t *spec = json_object_get(obj, "spec"), *p;
	const char *type = jstr(spec, "type"), *ip = jstr(spec, "clusterIP");
	struct strvec names = STRVEC_INIT;
	struct strbuf f = STRBUF_INIT;
	size_t i, n = json_array_size(json_object_get(spec, "ports"));
	int headless = ip && !strcmp(ip, "None");

	one_of(e, "spec.type", json_object_get(spec, "type"), types);
	one_of(e, "spec.sessionAffinity",
	       json_object_get(spec, "sessionAffinity"), aff);
	if (type && !strcmp(type, "ExternalName")) {
		if (!jstr(spec, "externalName") || !*jstr(spec, "externalName"))
			ferr_required(e, "spec.externalName", NULL);
	} else if (!n && !headless) {
		ferr_required(e, "spec.ports", NULL);
	}
	json_array_foreach(json_object_get(spec, "ports"), i, p) {
		const char *pn = jstr(p, "name");
		const json_t *tp = json_object_get(p, "targetPort");

		strbuf_reset(&f);
		strbuf_addf(&f, "spec.ports[%zu].name", i);
		if (n > 1 && (!pn || !*pn))
			ferr_required(e, f.buf, NULL);
		else if (pn && *pn && strvec_find(&names, pn) >= 0)
			ferr_duplicate(e, f.buf, pn);
		if (pn)
			strvec_push(&names, pn);
		strbuf_reset(&f);
		strbuf_addf(&f, "spec.ports[%zu].port", i);
		port_range(e, f.buf, json_object_get(p, "port"));
		strbuf_reset(&f);
		strbuf_addf(&f, "spec.ports[%zu].protocol", i);
		one_of(e, f.buf, json_object_get(p, "protocol"), protocols);
		strbuf_reset(&f);
		strbuf_addf(&f, "spec.ports[%zu].targetPort", i);
		if (json_is_integer(tp) && (json_integer_value(tp) < 1 ||
					    json_integer_value(tp) > 65535))
			ferr_invalid_int(e, f.buf, json_integer_value(tp),
					 "must be between 1 and 65535, "
					 "inclusive");
	}
	if (old && ip && jstr(old, "spec.clusterIP") &&
	    strcmp(ip, jstr(old, "spec.clusterIP")) &&
	    !(type && !strcmp(type, "ExternalName"))) {
		struct strbuf v = STRBUF_INIT;

		strbuf_addstr(&v, "[]string{");
		go_quote(&v, ip);
		strbuf_addch(&v, '}');
		ferr_add(e, FERR_INVALID, "spec.clusterIPs[0]", v.buf,
			 "may not change once set");
		strbuf_release(&v);
	}
	strvec_clear(&names);
	strbuf_release(&f);
}

static void config_keys(const json_t *obj, const char *field,
			struct ferrs *e)
{
	static const char *const ex[] = { "key.name", "KEY_NAME", "key-name",
					  NULL };
	const char *k;
	json_t *v;

	json_object_foreach(json_object_get(obj, field), k, v) {
		struct strbuf f = STRBUF_INIT, why = STRBUF_INIT;
		int ok = *k != 0;

		for (const char *p = k; *p; p++)
			if (!alnum(*p) && !strchr("-._", *p))
				ok = 0;
		strbuf_addf(&f, "%s[%s]", field, k);
		if (!ok) {
			regex_error(&why, "a valid config key must consist of "
					  "alphanumeric characters, '-', '_' "
					  "or '.'", "[-._a-zA-Z0-9]+", ex);
			ferr_invalid_str(e, f.buf, k, why.buf);
		} else if (!strcmp(k, ".") || !strcmp(k, "..")) {
			ferr_invalid_str(e, f.buf, k, "must not be '.' or '..'");
		}
		strbuf_release(&f);
		strbuf_release(&why);
	}
}

static void immutable_data(const json_t *obj, const json_t *old,
			   struct ferrs *e)
{
	if (!old || !json_is_true(json_object_get(old, "immutable")))
		return;
	if (!json_equal(json_object_get(obj, "data"),
			json_object_get(old, "data")) ||
	    !json_equal(json_object_get(obj, "binaryData"),
			json_object_get(old, "binaryData")))
		ferr_forbidden(e, "data", "field is immutable when `immutable` "
					  "is set");
	if (!json_is_true(json_object_get(obj, "immutable")))
		ferr_forbidden(e, "immutable", "field is immutable when "
					       "`immutable` is set");
}

static void secret(const json_t *obj, const json_t *old, struct ferrs *e)
{
	const char *type = jstr(obj, "type");
	const json_t *data = json_object_get(obj, "data");

	config_keys(obj, "data", e);
	immutable_data(obj, old, e);
	if (old && type && jstr(old, "type") && strcmp(type,
						       jstr(old, "type")))
		ferr_invalid_str(e, "type", type, "field is immutable");
	if (type && !strcmp(type, "kubernetes.io/tls")) {
		if (!json_object_get(data, "tls.crt"))
			ferr_required(e, "data[tls.crt]", NULL);
		if (!json_object_get(data, "tls.key"))
			ferr_required(e, "data[tls.key]", NULL);
	}
	if (type && !strcmp(type, "kubernetes.io/dockerconfigjson") &&
	    !json_object_get(data, ".dockerconfigjson"))
		ferr_required(e, "data[.dockerconfigjson]", NULL);
}

static void pvc(const json_t *obj, const json_t *old, struct ferrs *e)
{
	const json_t *spec = json_object_get(obj, "spec");

	claim_spec(spec, "spec", e);
	if (old) {
		json_t *a = json_deep_copy(spec);
		json_t *b = json_deep_copy(json_object_get(old, "spec"));

		json_object_del(json_object_get(a, "resources"), "requests");
		json_object_del(json_object_get(b, "resources"), "requests");
		json_object_del(a, "volumeAttributesClassName");
		json_object_del(b, "volumeAttributesClassName");
		/* binding fills volumeName */
		if (!jstr(b, "volumeName"))
			json_object_del(a, "volumeName");
		if (!json_equal(a, b))
			ferr_forbidden(e, "spec",
				       "spec is immutable after creation except "
				       "resources.requests and "
				       "volumeAttributesClassName for bound "
				       "claims");
		json_decref(a);
		json_decref(b);
	}
}

/* ---- rbac, storage, networking, policy, autoscaling, scheduling ---- */

static void rules(const json_t *obj, struct ferrs *e)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(obj, "rules"), i, r) {
		struct strbuf f = STRBUF_INIT;

		strbuf_addf(&f, "rules[%zu].verbs", i);
		if (!json_array_size(json_object_get(r, "verbs")))
			ferr_required(e, f.buf,
				      "verbs must contain at least one value");
		strbuf_reset(&f);
		strbuf_addf(&f, "rules[%zu].nonResourceURLs", i);
		if (!json_array_size(json_object_get(r, "resources")) &&
		    !json_array_size(json_object_get(r, "nonResourceURLs")))
			ferr_required(e, "rules[0].resources",
				      "resource rules must supply at least one "
				      "resource");
		strbuf_release(&f);
	}
}

static void binding(const json_t *obj, const json_t *old, int cluster,
		    struct ferrs *e)
{
	static const char *const ns_kinds[] = { "Role", "ClusterRole", NULL };
	static const char *const cl_kinds[] = { "ClusterRole", NULL };
	static const char *const subj[] = { "Group", "ServiceAccount", "User",
					    NULL };
	const json_t *ref = json_object_get(obj, "roleRef"), *s;
	size_t i;

	if (!jstr(ref, "name") || !*jstr(ref, "name"))
		ferr_required(e, "roleRef.name", NULL);
	if (!jstr(ref, "kind") || !*jstr(ref, "kind"))
		ferr_required(e, "roleRef.kind", NULL);
	else
		one_of(e, "roleRef.kind", json_object_get(ref, "kind"),
		       cluster ? cl_kinds : ns_kinds);
	if (jstr(ref, "apiGroup") &&
	    strcmp(jstr(ref, "apiGroup"), "rbac.authorization.k8s.io")) {
		static const char *const g[] = { "rbac.authorization.k8s.io",
						 NULL };
		one_of(e, "roleRef.apiGroup", json_object_get(ref, "apiGroup"),
		       g);
	}
	json_array_foreach(json_object_get(obj, "subjects"), i, s) {
		struct strbuf f = STRBUF_INIT;

		strbuf_addf(&f, "subjects[%zu].kind", i);
		one_of(e, f.buf, json_object_get(s, "kind"), subj);
		strbuf_reset(&f);
		strbuf_addf(&f, "subjects[%zu].name", i);
		if (!jstr(s, "name") || !*jstr(s, "name"))
			ferr_required(e, f.buf, NULL);
		strbuf_reset(&f);
		strbuf_addf(&f, "subjects[%zu].namespace", i);
		if (cluster && jstr(s, "kind") &&
		    !strcmp(jstr(s, "kind"), "ServiceAccount") &&
		    (!jstr(s, "namespace") || !*jstr(s, "namespace")))
			ferr_required(e, f.buf, "");
		strbuf_release(&f);
	}
	if (old && !json_equal(ref, json_object_get(old, "roleRef"))) {
		struct strbuf v = STRBUF_INIT;

		strbuf_addstr(&v, "rbac.RoleRef{APIGroup:");
		go_quote(&v, jstr(ref, "apiGroup") ? jstr(ref, "apiGroup") : "");
		strbuf_addstr(&v, ", Kind:");
		go_quote(&v, jstr(ref, "kind") ? jstr(ref, "kind") : "");
		strbuf_addstr(&v, ", Name:");
		go_quote(&v, jstr(ref, "name") ? jstr(ref, "name") : "");
		strbuf_addch(&v, '}');
		ferr_add(e, FERR_INVALID, "roleRef", v.buf,
			 "cannot change roleRef");
		strbuf_release(&v);
	}
}

static void storageclass(const json_t *obj, const json_t *old,
			 struct ferrs *e)
{
	static const char *const modes[] = { "Immediate",
					     "WaitForFirstConsumer", NULL };
	static const char *const reclaim[] = { "Delete", "Retain", NULL };

	if (!jstr(obj, "provisioner") || !*jstr(obj, "provisioner"))
		ferr_required(e, "provisioner", NULL);
	one_of(e, "volumeBindingMode",
	       json_object_get(obj, "volumeBindingMode"), modes);
	one_of(e, "reclaimPolicy", json_object_get(obj, "reclaimPolicy"),
	       reclaim);
	if (!old)
		return;
	if (!json_equal(json_object_get(obj, "parameters"),
			json_object_get(old, "parameters")))
		ferr_forbidden(e, "parameters",
			       "updates to parameters are forbidden.");
	if (!json_equal(json_object_get(obj, "provisioner"),
			json_object_get(old, "provisioner")))
		ferr_forbidden(e, "provisioner",
			       "updates to provisioner are forbidden.");
	if (!json_equal(json_object_get(obj, "reclaimPolicy"),
			json_object_get(old, "reclaimPolicy")))
		ferr_forbidden(e, "reclaimPolicy",
			       "updates to reclaimPolicy are forbidden.");
	if (!json_equal(json_object_get(obj, "volumeBindingMode"),
			json_object_get(old, "volumeBindingMode")))
		ferr_forbidden(e, "volumeBindingMode",
			       "field is immutable");
}

static void ingress(const json_t *obj, struct ferrs *e)
{
	static const char *const types[] = { "Exact", "ImplementationSpecific",
					     "Prefix", NULL };
	size_t i, j;
	json_t *r, *p;

	json_array_foreach(jpath(obj, "spec.rules"), i, r)
		json_array_foreach(jpath(r, "http.paths"), j, p) {
			struct strbuf f = STRBUF_INIT;

			strbuf_addf(&f, "spec.rules[%zu].http.paths[%zu]."
				    "pathType", i, j);
			if (!jstr(p, "pathType"))
				ferr_required(e, f.buf,
					      "pathType must be specified");
			else
				one_of(e, f.buf, json_object_get(p, "pathType"),
				       types);
			strbuf_reset(&f);
			strbuf_addf(&f, "spec.rules[%zu].http.paths[%zu]."
				    "backend", i, j);
			if (!json_object_get(p, "backend"))
				ferr_required(e, f.buf, NULL);
			strbuf_release(&f);
		}
}

static void hpa(const json_t *obj, struct ferrs *e)
{
	const json_t *spec = json_object_get(obj, "spec");
	long long min = json_integer_value(json_object_get(spec,
							   "minReplicas"));
	const json_t *max = json_object_get(spec, "maxReplicas");

	if (!jstr(spec, "scaleTargetRef.kind") ||
	    !*jstr(spec, "scaleTargetRef.kind"))
		ferr_required(e, "spec.scaleTargetRef.kind", NULL);
	if (!jstr(spec, "scaleTargetRef.name") ||
	    !*jstr(spec, "scaleTargetRef.name"))
		ferr_required(e, "spec.scaleTargetRef.name", NULL);
	if (!json_is_integer(max) || json_integer_value(max) < 1)
		ferr_invalid_int(e, "spec.maxReplicas",
				 json_integer_value(max),
				 "must be greater than or equal to 1");
	else if (json_integer_value(max) < min)
		ferr_invalid_int(e, "spec.maxReplicas",
				 json_integer_value(max),
				 "must be greater than or equal to "
				 "`minReplicas`");
}

static int is(const struct rtype *t, const char *group, const char *res)
{
	return !strcmp(t->group, group) && !strcmp(t->resource, res);
}

void validate_object(struct sim *s, const struct rtype *t, const json_t *obj,
		     const json_t *old, struct ferrs *e)
{
	meta_check(t, obj, old, e);
	if (is(t, "apps", "deployments"))
		deployment(obj, old, e);
	else if (is(t, "apps", "statefulsets"))
		statefulset(obj, old, e);
	else if (is(t, "apps", "daemonsets"))
		workload(obj, old, e, 0);
	else if (is(t, "apps", "replicasets"))
		workload(obj, old, e, 1);
	else if (is(t, "batch", "jobs"))
		job(obj, old, e);
	else if (is(t, "batch", "cronjobs"))
		cronjob(obj, e);
	else if (is(t, "", "pods"))
		validate_pod_spec(json_object_get(obj, "spec"), "spec", e);
	else if (is(t, "", "services"))
		service(obj, old, e);
	else if (is(t, "", "configmaps")) {
		config_keys(obj, "data", e);
		config_keys(obj, "binaryData", e);
		immutable_data(obj, old, e);
	} else if (is(t, "", "secrets"))
		secret(obj, old, e);
	else if (is(t, "", "persistentvolumeclaims"))
		pvc(obj, old, e);
	else if (is(t, "rbac.authorization.k8s.io", "roles") ||
		 is(t, "rbac.authorization.k8s.io", "clusterroles"))
		rules(obj, e);
	else if (is(t, "rbac.authorization.k8s.io", "rolebindings"))
		binding(obj, old, 0, e);
	else if (is(t, "rbac.authorization.k8s.io", "clusterrolebindings"))
		binding(obj, old, 1, e);
	else if (is(t, "storage.k8s.io", "storageclasses"))
		storageclass(obj, old, e);
	else if (is(t, "networking.k8s.io", "ingresses"))
		ingress(obj, e);
	else if (is(t, "autoscaling", "horizontalpodautoscalers"))
		hpa(obj, e);
	else if (is(t, "policy", "poddisruptionbudgets")) {
		if (jpath(obj, "spec.minAvailable") &&
		    jpath(obj, "spec.maxUnavailable"))
			ferr_invalid_json(e, "spec",
					  json_object_get(obj, "spec"),
					  "minAvailable and maxUnavailable "
					  "cannot be both set");
	} else if (is(t, "scheduling.k8s.io", "priorityclasses")) {
		if (old && !json_equal(json_object_get(obj, "value"),
				       json_object_get(old, "value")))
			ferr_forbidden(e, "value",
				       "may not be changed in an update.");
	} else if (is(t, "apiextensions.k8s.io", "customresourcedefinitions"))
		crd_validate(s, obj, old, e);
}
