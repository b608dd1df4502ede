/*
 * pkg/kube: watch streams. A watch is a long GET (?watch=1) on the
 * client's multi handle whose body is one JSON event per line. The
 * stream is resumed from the last resourceVersion seen whenever it ends
 * (servers close watches after a few minutes) or the connection fails, so
 * a waiting caller sees one stream of events until it stops the watch or
 * the server says the history it needs is gone.
 */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"

struct kube_watch {
	struct kube_client *c;
	struct kube_xfer *x;
	char *base;                 /* the caller's path */
	char *rv;                   /* last resourceVersion seen */
	kube_watch_fn fn;
	void *data;
	struct strbuf line;         /* an event not complete yet */
	int in_cb, stopped, events, failures;
};

static void set_path(struct kube_watch *w)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, w->base);
	strbuf_addstr(&sb, strchr(w->base, '?') ? "&" : "?");
	strbuf_addstr(&sb, "watch=1&allowWatchBookmarks=true");
	if (w->rv) {
		strbuf_addstr(&sb, "&resourceVersion=");
		kube_url_escape(&sb, w->rv);
	}
	free(w->x->path);
	w->x->path = strbuf_detach(&sb, NULL);
}

struct kube_watch *kube_watch_start(struct kube_client *c, const char *path,
				    const char *resource_version,
				    kube_watch_fn fn, void *data)
{
	struct kube_watch *w = xcalloc(1, sizeof(*w));

	w->c = c;
	w->base = xstrdup(path);
	if (resource_version && *resource_version)
		w->rv = xstrdup(resource_version);
	w->fn = fn;
	w->data = data;
	strbuf_init(&w->line, 0);
	w->x = kube_xfer_new(&(struct kube_request){ .method = "GET",
						     .path = path });
	w->x->watch = w;
	w->x->submitted_ms = kube_now_ms();
	set_path(w);
	c->watches++;
	kube_xfer_enqueue(c, w->x, 0);
	return w;
}

void kube_watch_free_(struct kube_watch *w)
{
	w->c->watches--;
	strbuf_release(&w->line);
	free(w->base);
	free(w->rv);
	free(w);
}

void kube_watch_stop(struct kube_client *c, struct kube_watch *w)
{
	struct kube_xfer *x = w->x;

	if (w->in_cb) {
		/* the transport frees it when the callback has returned */
		w->stopped = 1;
		return;
	}
	kube_xfer_unlink(c, x);
	kube_watch_free_(w);
	kube_xfer_free(c, x);
}

static void deliver(struct kube_watch *w, enum kube_event type,
		    const json_t *obj, const struct gerr *err)
{
	w->in_cb = 1;
	w->c->progress++;
	w->fn(w->c, w, type, obj, err, w->data);
	w->in_cb = 0;
}

static void one_line(struct kube_watch *w, const char *line, size_t len)
{
	json_t *ev = json_loadb(line, len, 0, NULL);
	const char *type = json_string_value(json_object_get(ev, "type"));
	json_t *obj = json_object_get(ev, "object");
	const char *rv = json_string_value(json_object_get(
		json_object_get(obj, "metadata"), "resourceVersion"));
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED",
					     "BOOKMARK" };

	if (!type || !json_is_object(obj)) {
		struct gerr err = GERR_INIT;
		gerr_setc(&err, GERR_FAIL, "watch %s: the server sent a line "
			  "that is not a watch event", w->base);
		w->stopped = 1;
		deliver(w, KUBE_ERROR, NULL, &err);
		gerr_clear(&err);
		json_decref(ev);
		return;
	}
	if (!strcmp(type, "ERROR")) {
		struct gerr err = GERR_INIT;
		json_t *code = json_object_get(obj, "code");
		kube_http_error(&err, w->c->cfg, "GET", w->x->path,
				json_is_integer(code) ? (long)json_integer_value(code)
						      : 500, obj);
		w->stopped = 1;
		deliver(w, KUBE_ERROR, obj, &err);
		gerr_clear(&err);
		json_decref(ev);
		return;
	}
	if (rv && *rv) {
		free(w->rv);
		w->rv = xstrdup(rv);
	}
	w->events++;
	for (int i = 0; i < 4; i++)
		if (!strcmp(type, names[i]))
			deliver(w, (enum kube_event)i, obj, NULL);
	json_decref(ev);
}

size_t kube_watch_data(struct kube_xfer *x, const char *buf, size_t len)
{
	struct kube_watch *w = x->watch;
	long status = 0;
	char *nl;

	if (w->stopped)
		return 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		/* an error Status, read whole by the transport */
		strbuf_add(&x->resp, buf, len);
		return len;
	}
	strbuf_add(&w->line, buf, len);
	while (!w->stopped && (nl = memchr(w->line.buf, '\n', w->line.len))) {
		size_t n = (size_t)(nl - w->line.buf);
		char *line = xstrndup(w->line.buf, n);
		memmove(w->line.buf, nl + 1, w->line.len - n - 1);
		strbuf_setlen(&w->line, w->line.len - n - 1);
		if (n)
			one_line(w, line, n);
		free(line);
	}
	return w->stopped ? 0 : len;
}

static void reopen(struct kube_client *c, struct kube_watch *w, long delay)
{
	set_path(w);
	w->events = 0;
	strbuf_reset(&w->line);
	kube_xfer_enqueue(c, w->x, kube_now_ms() + (double)delay);
}

int kube_watch_ended(struct kube_client *c, struct kube_xfer *x,
		     long status, const struct gerr *err, int transport_failed)
{
	struct kube_watch *w = x->watch;
	struct gerr final = GERR_INIT;

	if (w->stopped)
		return 0;
	if (status == 200 && !gerr_failed(err)) {
		/* the server ended the stream (its watch timeout): resume;
		 * back off only when streams keep ending without news */
		w->failures = w->events ? 0 : w->failures + 1;
		x->renewed = 0;
		reopen(c, w, w->failures > 2
			     ? kube_backoff_ms(w->failures - 2,
					       c->opts.backoff_base_ms,
					       c->opts.backoff_max_ms, &c->seed)
			     : 0);
		return 1;
	}
	if (status == 401 && !x->renewed && kube_auth_renew(c, x->cred_gen)) {
		x->renewed = 1;
		reopen(c, w, 0);
		return 1;
	}
	if (transport_failed || status == 429 || status >= 500) {
		long delay = kube_backoff_ms(++w->failures,
					     c->opts.backoff_base_ms,
					     c->opts.backoff_max_ms, &c->seed);
		if (status == 429 && x->retry_after_ms >= 0)
			delay = x->retry_after_ms;
		kube_log(c, 4, "watch %s: reopening in %ld ms: %s", w->base,
			 delay, gerr_msg(err));
		reopen(c, w, delay);
		return 1;
	}
	if (!gerr_failed(err))
		gerr_setc(&final, GERR_FAIL, "watch %s ended with status %ld",
			  w->base, status);
	w->stopped = 1;
	deliver(w, KUBE_ERROR, NULL, gerr_failed(err) ? err : &final);
	gerr_clear(&final);
	return 0;
}
