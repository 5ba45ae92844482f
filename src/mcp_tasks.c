/* mcp_tasks: implementation. The tasks extension of the 2026-07-28 engine:
 * it shares the types and helpers of the mcp modules before it (mcp, mcp_ctx,
 * mcp_route, mcp_era: one translation unit), which call the fmcp__tasks_*
 * entry points mcp.c and mcp_era.c declare.
 *
 * Two halves: the record (what tasks/get shows, serialised as JSON text in a
 * fmcp_task_store, so replicas can share it) and the run (this process's
 * handler context of a task it created: running, or parked until input
 * arrives), found by task id in a list under the manager's lock.
 * Lock order: the manager's lock, then a session's lock. */
#include "mcp_tasks.h"

#include <string.h>
#include <stdio.h>

#ifndef FASTMCP_NO_TASKS

#define FMCP__TASKS_EXT "io.modelcontextprotocol/tasks"

enum { FMCP__TS_WORKING, FMCP__TS_INPUT, FMCP__TS_COMPLETED, FMCP__TS_FAILED, FMCP__TS_CANCELLED };
static const char *const fmcp__ts_names[] = { "working", "input_required", "completed", "failed", "cancelled" };

/* One task as stored. Texts are JSON (NULL = absent), NUL-terminated. */
typedef struct fmcp__task_rec {
    char id[32];
    char owner[FMCP_PRINCIPAL_SIZE];
    int status;
    int64_t created, updated;   /* Unix seconds */
    int64_t ttl_ms, poll_ms;
    char *message, *result, *error, *inputs, *answers;
} fmcp__task_rec;

/* A task's handler context in this process. */
struct fmcp__task_run {
    struct fmcp__task_run *next;
    char id[32];
    fmcp_ctx *c;
    int waiting;                /* parked: answers re-dispatch it */
    int64_t expires;            /* Unix seconds */
    fmcp__mcp_group g;          /* stands in for the request's group (never released) */
    fmcp_json_writer ireq;      /* inputs asked this round (open once n_ireq > 0) */
    int n_ireq;
    fmcp_json_doc *answers;     /* answers given so far (loaded on first use in a round) */
    int loaded;
};

/* The in-memory store: a list, newest last. */
typedef struct fmcp__tmem_ent {
    struct fmcp__tmem_ent *next;
    char id[32];
    char *text;
    size_t len;
    fmcp_task_meta meta;
} fmcp__tmem_ent;

typedef struct fmcp__tmem {
    const fmcp_allocator *a;
    fmcp__tmem_ent *head;
    size_t count, bytes, max_count, max_bytes;
} fmcp__tmem;

struct fmcp__tasks {
    fmcp__mcp_mutex lock;
    fmcp_task_store store;
    fmcp__tmem mem;
    struct fmcp__task_run *runs;
    int64_t ttl_ms, poll_ms;
};

/* ---- the in-memory store ------------------------------------------------------------ */

static void fmcp__tmem_unlink(fmcp__tmem *m, fmcp__tmem_ent **pp)
{
    fmcp__tmem_ent *e = *pp;
    *pp = e->next;
    m->count--;
    m->bytes -= e->len;
    fmcp_free(m->a, e->text, e->len + 1);
    fmcp_free(m->a, e, sizeof *e);
}

static fmcp__tmem_ent **fmcp__tmem_find(fmcp__tmem *m, const char *id)
{
    fmcp__tmem_ent **pp;
    for (pp = &m->head; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->id, id) == 0) return pp;
    return NULL;
}

/* Drop expired records, then finished ones (oldest first) until need fits. */
static int fmcp__tmem_make_room(fmcp__tmem *m, size_t add_count, size_t add_bytes)
{
    fmcp__tmem_ent **pp = &m->head;
    int64_t now = fmcp_time_now();
    while (*pp) {
        if ((*pp)->meta.expires_at < now) fmcp__tmem_unlink(m, pp);
        else pp = &(*pp)->next;
    }
    for (pp = &m->head; *pp && (m->count + add_count > m->max_count || m->bytes + add_bytes > m->max_bytes);) {
        if ((*pp)->meta.finished) fmcp__tmem_unlink(m, pp);
        else pp = &(*pp)->next;
    }
    return m->count + add_count <= m->max_count && m->bytes + add_bytes <= m->max_bytes;
}

static fmcp_result fmcp__tmem_put(void *user, const char *id, const char *rec, size_t len, const fmcp_task_meta *meta)
{
    fmcp__tmem *m = (fmcp__tmem *)user;
    fmcp__tmem_ent *e, **pp;
    if (strlen(id) >= sizeof e->id) return FMCP_ERR_INVALID_ARG;
    if (fmcp__tmem_find(m, id)) return FMCP_ERR_DUPLICATE;
    if (!fmcp__tmem_make_room(m, 1, len)) return FMCP_ERR_TOO_LARGE;
    if (!(e = (fmcp__tmem_ent *)fmcp_malloc(m->a, sizeof *e))) return FMCP_ERR_NOMEM;
    memset(e, 0, sizeof *e);
    if (!(e->text = fmcp__strndup(m->a, rec, len))) { fmcp_free(m->a, e, sizeof *e); return FMCP_ERR_NOMEM; }
    strcpy(e->id, id);
    e->len = len;
    e->meta = *meta;
    for (pp = &m->head; *pp; pp = &(*pp)->next) {}
    *pp = e;
    m->count++;
    m->bytes += len;
    return FMCP_OK;
}

static fmcp_result fmcp__tmem_update(void *user, const char *id, const char *rec, size_t len,
                                     const fmcp_task_meta *meta)
{
    fmcp__tmem *m = (fmcp__tmem *)user;
    fmcp__tmem_ent **pp = fmcp__tmem_find(m, id), *e;
    char *text;
    int was;
    if (!pp) return FMCP_ERR_NOT_FOUND;
    e = *pp;
    was = e->meta.finished;
    e->meta.finished = 0;   /* not evictable while we make room for it */
    if (len > e->len && !fmcp__tmem_make_room(m, 0, len - e->len)) {
        if (fmcp__tmem_find(m, id)) e->meta.finished = was;
        return FMCP_ERR_TOO_LARGE;
    }
    if (!(pp = fmcp__tmem_find(m, id))) return FMCP_ERR_NOT_FOUND;   /* expired meanwhile */
    if (!(text = fmcp__strndup(m->a, rec, len))) return FMCP_ERR_NOMEM;
    fmcp_free(m->a, e->text, e->len + 1);
    m->bytes = m->bytes - e->len + len;
    e->text = text;
    e->len = len;
    e->meta = *meta;
    return FMCP_OK;
}

static fmcp_result fmcp__tmem_get(void *user, const fmcp_allocator *a, const char *id, char **rec, size_t *len)
{
    fmcp__tmem *m = (fmcp__tmem *)user;
    fmcp__tmem_ent **pp = fmcp__tmem_find(m, id);
    if (pp && (*pp)->meta.expires_at < fmcp_time_now()) { fmcp__tmem_unlink(m, pp); pp = NULL; }
    if (!pp) return FMCP_ERR_NOT_FOUND;
    if (!(*rec = fmcp__strndup(a, (*pp)->text, (*pp)->len))) return FMCP_ERR_NOMEM;
    *len = (*pp)->len;
    return FMCP_OK;
}

static void fmcp__tmem_del(void *user, const char *id)
{
    fmcp__tmem *m = (fmcp__tmem *)user;
    fmcp__tmem_ent **pp = fmcp__tmem_find(m, id);
    if (pp) fmcp__tmem_unlink(m, pp);
}

/* ---- records ------------------------------------------------------------------------- */

static void fmcp__trec_free(const fmcp_allocator *a, fmcp__task_rec *t)
{
    fmcp__strfree(a, t->message, 0);
    fmcp__strfree(a, t->result, 0);
    fmcp__strfree(a, t->error, 0);
    fmcp__strfree(a, t->inputs, 0);
    fmcp__strfree(a, t->answers, 0);
    t->message = t->result = t->error = t->inputs = t->answers = NULL;
}

static void fmcp__trec_raw(fmcp_json_writer *w, const char *key, const char *text)
{
    if (text) { fmcp_jw_key(w, key); fmcp_jw_raw(w, text, strlen(text)); }
}

static void fmcp__trec_write(const fmcp__task_rec *t, fmcp_json_writer *w)
{
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "v"); fmcp_jw_int(w, 1);
    fmcp_jw_key(w, "id"); fmcp_jw_str(w, t->id);
    fmcp_jw_key(w, "owner"); fmcp_jw_str(w, t->owner);
    fmcp_jw_key(w, "status"); fmcp_jw_int(w, t->status);
    fmcp_jw_key(w, "created"); fmcp_jw_int(w, t->created);
    fmcp_jw_key(w, "updated"); fmcp_jw_int(w, t->updated);
    fmcp_jw_key(w, "ttlMs"); fmcp_jw_int(w, t->ttl_ms);
    fmcp_jw_key(w, "pollMs"); fmcp_jw_int(w, t->poll_ms);
    if (t->message) { fmcp_jw_key(w, "message"); fmcp_jw_str(w, t->message); }
    fmcp__trec_raw(w, "result", t->result);
    fmcp__trec_raw(w, "error", t->error);
    fmcp__trec_raw(w, "inputs", t->inputs);
    fmcp__trec_raw(w, "answers", t->answers);
    fmcp_jw_object_end(w);
}

/* Member key of root as a fresh text (NULL when absent); *ok cleared on NOMEM. */
static char *fmcp__trec_text(const fmcp_allocator *a, const fmcp_json *root, const char *key, int *ok)
{
    const fmcp_json *v = fmcp_json_get(root, key);
    size_t n = 0;
    char *p;
    if (!v) return NULL;
    if (fmcp_json_is(v, FMCP_JSON_STRING)) return fmcp__mcp_strdup_opt(a, fmcp_json_str(v, NULL), ok);
    if (!(p = fmcp__mcp_json_text(a, v, &n))) *ok = 0;
    return p;
}

static fmcp_result fmcp__trec_parse(const fmcp_allocator *a, const char *text, size_t len, fmcp__task_rec *t)
{
    fmcp_json_parse_options po;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root;
    fmcp_result rc;
    int ok = 1;
    memset(t, 0, sizeof *t);
    memset(&po, 0, sizeof po);
    po.alloc = a;
    if ((rc = fmcp_json_parse(text, len, &po, &doc, NULL)) != FMCP_OK) return rc;
    root = fmcp_json_root(doc);
    snprintf(t->id, sizeof t->id, "%s", fmcp_json_get_str(root, "id", ""));
    snprintf(t->owner, sizeof t->owner, "%s", fmcp_json_get_str(root, "owner", ""));
    t->status = (int)fmcp_json_get_int(root, "status", FMCP__TS_FAILED);
    if (t->status < 0 || t->status > FMCP__TS_CANCELLED) t->status = FMCP__TS_FAILED;
    t->created = fmcp_json_get_int(root, "created", 0);
    t->updated = fmcp_json_get_int(root, "updated", 0);
    t->ttl_ms = fmcp_json_get_int(root, "ttlMs", 0);
    t->poll_ms = fmcp_json_get_int(root, "pollMs", 0);
    t->message = fmcp__trec_text(a, root, "message", &ok);
    t->result = fmcp__trec_text(a, root, "result", &ok);
    t->error = fmcp__trec_text(a, root, "error", &ok);
    t->inputs = fmcp__trec_text(a, root, "inputs", &ok);
    t->answers = fmcp__trec_text(a, root, "answers", &ok);
    fmcp_json_doc_destroy(doc);
    if (!ok) { fmcp__trec_free(a, t); return FMCP_ERR_NOMEM; }
    return FMCP_OK;
}

static int64_t fmcp__trec_expires(const fmcp__task_rec *t)
{
    return t->created + (t->ttl_ms + 999) / 1000;
}

/* Manager lock held. */
static fmcp_result fmcp__trec_load(fmcp_server *srv, const char *id, fmcp__task_rec *t)
{
    struct fmcp__tasks *m = srv->tasks;
    char *text = NULL;
    size_t len = 0;
    fmcp_result rc = m->store.get(m->store.user, srv->alloc, id, &text, &len);
    if (rc != FMCP_OK) return rc;
    rc = fmcp__trec_parse(srv->alloc, text, len, t);
    fmcp_free(srv->alloc, text, len + 1);
    if (rc == FMCP_OK && (strcmp(t->id, id) != 0 || fmcp__trec_expires(t) < fmcp_time_now())) {
        if (strcmp(t->id, id) == 0) m->store.del(m->store.user, id);   /* expired: a shared store may lag */
        fmcp__trec_free(srv->alloc, t);
        rc = FMCP_ERR_NOT_FOUND;
    }
    return rc;
}

/* Manager lock held. create: put, else update. */
static fmcp_result fmcp__trec_save(fmcp_server *srv, fmcp__task_rec *t, int create)
{
    struct fmcp__tasks *m = srv->tasks;
    fmcp_json_writer w;
    fmcp_task_meta meta;
    char *text;
    size_t n;
    fmcp_result rc;
    t->updated = fmcp_time_now();
    fmcp_jw_init(&w, srv->alloc);
    fmcp__trec_write(t, &w);
    if ((rc = fmcp_jw_finish(&w, &text, &n)) != FMCP_OK) { fmcp_jw_reset(&w); return rc; }
    meta.finished = t->status >= FMCP__TS_COMPLETED;
    meta.expires_at = fmcp__trec_expires(t);
    rc = create ? m->store.put(m->store.user, t->id, text, n, &meta) : m->store.update(m->store.user, t->id, text, n, &meta);
    fmcp_free_text(w.alloc, text, n);
    return rc;
}

/* ---- wire shapes ---------------------------------------------------------------------------- */

/* Unix seconds -> "YYYY-MM-DDTHH:MM:SSZ" (proleptic Gregorian, UTC). */
static void fmcp__tasks_iso(int64_t t, char out[32])
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, sec = t - days * 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, mo = mp < 10 ? mp + 3 : mp - 9;
    if (mo <= 2) y++;
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)mo, (int)d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

/* The Task fields; detailed: also statusMessage and result | error | inputRequests. */
static void fmcp__tasks_write_task(fmcp_json_writer *w, const fmcp__task_rec *t, int detailed)
{
    char iso[32];
    fmcp_jw_key(w, "taskId"); fmcp_jw_str(w, t->id);
    fmcp_jw_key(w, "status"); fmcp_jw_str(w, fmcp__ts_names[t->status]);
    if (detailed && t->message) { fmcp_jw_key(w, "statusMessage"); fmcp_jw_str(w, t->message); }
    fmcp__tasks_iso(t->created, iso);
    fmcp_jw_key(w, "createdAt"); fmcp_jw_str(w, iso);
    fmcp__tasks_iso(t->updated, iso);
    fmcp_jw_key(w, "lastUpdatedAt"); fmcp_jw_str(w, iso);
    fmcp_jw_key(w, "ttlMs"); fmcp_jw_int(w, t->ttl_ms);
    fmcp_jw_key(w, "pollIntervalMs"); fmcp_jw_int(w, t->poll_ms);
    if (!detailed) return;
    if (t->status == FMCP__TS_COMPLETED) fmcp__trec_raw(w, "result", t->result);
    if (t->status == FMCP__TS_FAILED) fmcp__trec_raw(w, "error", t->error);
    if (t->status == FMCP__TS_INPUT) fmcp__trec_raw(w, "inputRequests", t->inputs ? t->inputs : "{}");
}

static void fmcp__tasks_write_ext(fmcp_json_writer *w)
{
    fmcp_jw_key(w, "extensions");
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, FMCP__TASKS_EXT); fmcp_jw_object_begin(w); fmcp_jw_object_end(w);
    fmcp_jw_object_end(w);
}

/* ---- runs ------------------------------------------------------------------------------------ */

/* Manager lock held. */
static struct fmcp__task_run *fmcp__tasks_find_run(struct fmcp__tasks *m, const char *id, struct fmcp__task_run ***where)
{
    struct fmcp__task_run **pp;
    for (pp = &m->runs; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->id, id) == 0) { if (where) *where = pp; return *pp; }
    return NULL;
}

static void fmcp__tasks_round_reset(fmcp_ctx *c)
{
    struct fmcp__task_run *run = c->task;
    fmcp_jw_reset(&run->ireq);
    fmcp_jw_init(&run->ireq, c->s->alloc);
    run->n_ireq = 0;
    fmcp_json_doc_destroy(run->answers);
    run->answers = NULL;
    run->loaded = 0;
}

static void fmcp__tasks_run_free(const fmcp_allocator *a, struct fmcp__task_run *run)
{
    fmcp_jw_reset(&run->ireq);
    fmcp_json_doc_destroy(run->answers);
    fmcp_free(a, run, sizeof *run);
}

/* The end of a task's ctx (no lock held; already out of the run list). */
static void fmcp__tasks_discard(fmcp_ctx *c, fmcp_result rc, int cancelled)
{
    struct fmcp__task_run *run = c->task;
    c->task = NULL;
    fmcp__tasks_run_free(c->s->alloc, run);
    if (c->observe) fmcp__mcp_observe(c, rc, cancelled);
    fmcp__mcp_ctx_free(c);
}

/* Manager lock held: runs past their task's expiry stop (running: cancelled;
 * parked: moved to *dead for the caller to discard after unlocking). */
static void fmcp__tasks_sweep(struct fmcp__tasks *m, fmcp_ctx **dead)
{
    struct fmcp__task_run **pp = &m->runs, *run;
    int64_t now = fmcp_time_now();
    while ((run = *pp) != NULL) {
        if (run->expires >= now) { pp = &run->next; continue; }
        if (run->waiting) { *pp = run->next; run->c->qnext = *dead; *dead = run->c; continue; }
        FMCP__LOCK(&run->c->s->lock);
        run->c->cancelled = 1;
        FMCP__UNLOCK(&run->c->s->lock);
        pp = &run->next;
    }
}

static void fmcp__tasks_discard_all(fmcp_ctx *dead)
{
    while (dead) {
        fmcp_ctx *n = dead->qnext;
        fmcp__tasks_discard(dead, FMCP_ERR_CANCELLED, 1);
        dead = n;
    }
}

/* -32021 naming the extension (a required tool, the tasks methods, listen). */
static void fmcp__tasks_missing(fmcp__mcp_req *r)
{
    fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_MISSING_CAPABILITY,
                               "Missing required client capability: " FMCP__TASKS_EXT,
                               "{\"requiredCapabilities\":{\"extensions\":{\"" FMCP__TASKS_EXT "\":{}}}}", 400);
}

/* ---- notifications/tasks on subscriptions/listen streams ------------------------------- */

static int fmcp__tasks_ids_ok(const fmcp_json *ids)
{
    const fmcp_json *v;
    if (!fmcp_json_is(ids, FMCP_JSON_ARRAY)) return 0;
    for (v = fmcp_json_first(ids); v; v = fmcp_json_next(v))
        if (!fmcp_json_is(v, FMCP_JSON_STRING)) return 0;
    return 1;
}

/* subscriptions/listen with notifications.taskIds: 0 after answering. */
static int fmcp__tasks_listen_ok(fmcp__mcp_req *r, const fmcp_json *filter)
{
    const fmcp_json *ids = fmcp_json_get(filter, "taskIds");
    if (!ids) return 1;
    if (!fmcp__tasks_ids_ok(ids)) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Invalid params: notifications.taskIds must be strings");
        return 0;
    }
    if (!(r->era.caps & FMCP__CAP_TASKS)) { fmcp__tasks_missing(r); return 0; }
    return 1;
}

/* The acknowledgement honours every task id asked for (another caller's
 * task simply never sends anything). */
static void fmcp__tasks_ack(fmcp_json_writer *w, const fmcp_json *filter)
{
    const fmcp_json *ids = fmcp_json_get(filter, "taskIds"), *v;
    if (!ids) return;
    fmcp_jw_key(w, "taskIds");
    fmcp_jw_array_begin(w);
    for (v = fmcp_json_first(ids); v; v = fmcp_json_next(v)) fmcp_jw_value(w, v);
    fmcp_jw_array_end(w);
}

/* Session lock held: does listen ctx c follow task t (and may see it)? */
static int fmcp__tasks_follows(const fmcp_ctx *c, const fmcp__task_rec *t)
{
    const fmcp_json *v = fmcp_json_get(fmcp_json_get(c->params, "notifications"), "taskIds");
    char who[FMCP_PRINCIPAL_SIZE];
    if (c->kind != FMCP__K_LISTEN || c->listen_ended || c->cancelled) return 0;
    for (v = fmcp_json_first(v); v; v = fmcp_json_next(v))
        if (strcmp(fmcp_json_str(v, NULL), t->id) == 0) {
            fmcp__era_principal(c->auth, who);
            return strcmp(who, t->owner) == 0;
        }
    return 0;
}

static void fmcp__tasks_send_status(fmcp_ctx *c, const fmcp__task_rec *t)
{
    fmcp_json_writer w;
    char *p;
    size_t n;
    fmcp_jw_init(&w, c->s->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "_meta"); fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, FMCP__ERA_SUB); fmcp_jw_raw(&w, c->id, c->id_len);
    fmcp_jw_object_end(&w);
    fmcp__tasks_write_task(&w, t, 1);
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &p, &n) != FMCP_OK) { fmcp_jw_reset(&w); return; }
    (void)fmcp__mcp_send_notification(c->s, "notifications/tasks", p, n, c->id, c->id_len, c->group->tag);
    fmcp_free_text(w.alloc, p, n);
}

/* No lock held: t's new state to every stream that follows it. */
static void fmcp__tasks_notify(fmcp_server *srv, const fmcp__task_rec *t)
{
    size_t i;
    fmcp_ctx *c;
    FMCP__LOCK(&srv->lock);
    for (i = 0; i < srv->sessions.n; i++) {
        fmcp_session *s = (fmcp_session *)srv->sessions.v[i];
        FMCP__LOCK(&s->lock);
        for (c = s->inflight; c; c = c->next)
            if (fmcp__tasks_follows(c, t)) fmcp__tasks_send_status(c, t);
        FMCP__UNLOCK(&s->lock);
    }
    FMCP__UNLOCK(&srv->lock);
}

/* ---- creation ---------------------------------------------------------------------------------- */

static fmcp_result fmcp__tasks_new_id(char out[32])
{
    uint8_t b[16];
    size_t n = 0;
    fmcp_result rc = fmcp_random_bytes(b, sizeof b);
    if (rc != FMCP_OK) return rc;
    (void)fmcp_b64_encode(FMCP_B64_URL, b, sizeof b, out, 31, &n);
    out[n] = 0;
    return FMCP_OK;
}

/* CreateTaskResult on the request's own group or batch. */
static void fmcp__tasks_reply_created(fmcp_ctx *c, fmcp__mcp_group *g, fmcp__mcp_batch *b, const fmcp__task_rec *t)
{
    fmcp_json_writer w;
    fmcp_jw_init(&w, c->s->alloc);
    fmcp__mcp_envelope_begin(&w, c->id, c->id_len);
    fmcp_jw_key(&w, "result"); fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "resultType"); fmcp_jw_str(&w, "task");
    fmcp__tasks_write_task(&w, t, 0);
    fmcp__era_meta(c->s->srv, &w, NULL, 0);
    fmcp_jw_object_end(&w);
    fmcp_jw_object_end(&w);
    fmcp__mcp_deliver_writer(c->s, g, b, c->id, c->id_len, &w);
}

/* Store the task, make c its run, answer CreateTaskResult. On an error
 * nothing was sent and c is unchanged. */
static fmcp_result fmcp__tasks_start(fmcp_ctx *c)
{
    fmcp_server *srv = c->s->srv;
    struct fmcp__tasks *m = srv->tasks;
    struct fmcp__task_run *run;
    fmcp__mcp_group *g = c->group;
    fmcp__mcp_batch *b = c->batch;
    fmcp__task_rec t;
    fmcp_ctx *dead = NULL;
    fmcp_result rc;
    memset(&t, 0, sizeof t);
    if ((rc = fmcp__tasks_new_id(t.id)) != FMCP_OK) return rc;
    if (!(run = (struct fmcp__task_run *)fmcp_malloc(srv->alloc, sizeof *run))) return FMCP_ERR_NOMEM;
    memset(run, 0, sizeof *run);
    fmcp_jw_init(&run->ireq, srv->alloc);   /* '{' on the first input asked */
    memcpy(run->id, t.id, sizeof t.id);
    run->c = c;
    run->g.pending = 1;   /* never reaches 0: nothing waits on it */
    fmcp__era_principal(c->auth, t.owner);
    t.status = FMCP__TS_WORKING;
    t.created = fmcp_time_now();
    t.ttl_ms = m->ttl_ms;
    t.poll_ms = m->poll_ms;
    run->expires = fmcp__trec_expires(&t);
    FMCP__LOCK(&m->lock);
    fmcp__tasks_sweep(m, &dead);
    rc = fmcp__trec_save(srv, &t, 1);
    if (rc == FMCP_OK) { run->next = m->runs; m->runs = run; }
    FMCP__UNLOCK(&m->lock);
    fmcp__tasks_discard_all(dead);
    if (rc != FMCP_OK) { fmcp__tasks_run_free(srv->alloc, run); return rc; }
    /* out of the session's in-flight list: the request ends now, the task does not */
    FMCP__LOCK(&c->s->lock);
    fmcp__mcp_inflight_unlink(c->s, c);
    c->task = run;
    c->group = &run->g;
    c->batch = NULL;
    c->era.log_level = -1;   /* no notifications/message for a task */
    FMCP__UNLOCK(&c->s->lock);
    if (c->progress_token) fmcp_free(srv->alloc, c->progress_token, c->progress_token_len + 1);
    c->progress_token = NULL;
    fmcp__tasks_reply_created(c, g, b, &t);
    return FMCP_OK;
}

/* tools/call of a tool with task support, before dispatch: 1 when the
 * request was answered here (c freed), 0 to dispatch c (now maybe a task). */
static int fmcp__tasks_call(fmcp__mcp_req *r, fmcp_ctx *c, int support)
{
    fmcp_result rc;
    const char *msg;
    if (!r->era.modern) return 0;
    if (!(r->era.caps & FMCP__CAP_TASKS)) {
        if ((support & 3) != FMCP_TASK_REQUIRED) return 0;
        fmcp__tasks_missing(r);
    } else if (support & FMCP_TASK_HANDLER_STARTS) {
        return 0;
    } else if ((rc = fmcp__tasks_start(c)) == FMCP_OK) {
        return 0;
    } else {
        msg = rc == FMCP_ERR_TOO_LARGE ? "Internal error: task storage is full" : fmcp_result_str(rc);
        fmcp__mcp_reply_error(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_INTERNAL_ERROR, msg);
    }
    FMCP__LOCK(&r->s->lock);
    fmcp__mcp_inflight_unlink(r->s, c);
    FMCP__UNLOCK(&r->s->lock);
    fmcp__mcp_ctx_free(c);
    return 1;
}

FASTMCP_API int fmcp_ctx_is_task(const fmcp_ctx *c)
{
    return c && c->task != NULL;
}

FASTMCP_API fmcp_result fmcp_ctx_start_task(fmcp_ctx *c)
{
    fmcp_server *srv;
    long i;
    int support = 0;
    fmcp_result rc;
    if (!c) return FMCP_ERR_INVALID_ARG;
    if (c->task) return FMCP_OK;
    if (c->kind != FMCP__K_TOOL || !c->era.modern || !(c->era.caps & FMCP__CAP_TASKS)) return FMCP_ERR_UNSUPPORTED;
    srv = c->s->srv;
    FMCP__LOCK(&srv->lock);
    i = fmcp__mcp_find_locked(srv, FMCP_ITEM_TOOL, c->name);
    if (i >= 0) support = ((const fmcp__mcp_item *)srv->items[FMCP_ITEM_TOOL].v[i])->task_support;
    FMCP__UNLOCK(&srv->lock);
    if (!(support & 3)) return FMCP_ERR_UNSUPPORTED;
    if ((rc = fmcp__tasks_start(c)) != FMCP_OK)
        (void)fmcp_ctx_error(c, FMCP_RPC_INTERNAL_ERROR,
                             rc == FMCP_ERR_TOO_LARGE ? "Internal error: task storage is full" : fmcp_result_str(rc));
    return rc;
}

/* ---- input inside a task ------------------------------------------------------------------------------ */

/* The answer to key given so far (*out NULL when none): earlier multi
 * round-trip rounds first, then the task's record (read once per round). */
static fmcp_result fmcp__tasks_answer(fmcp_ctx *c, const char *key, const fmcp_json **out)
{
    struct fmcp__task_run *run = c->task;
    struct fmcp__tasks *m = c->s->srv->tasks;
    const fmcp_json *v;
    fmcp_result rc = FMCP_OK;
    *out = NULL;
    if (c->mrtr) {
        v = fmcp_json_get(c->mrtr->responses, key);
        if (!fmcp_json_is(v, FMCP_JSON_OBJECT)) v = fmcp_json_get(fmcp_json_get(fmcp_json_root(c->mrtr->state), "r"), key);
        if (fmcp_json_is(v, FMCP_JSON_OBJECT)) { *out = v; return FMCP_OK; }
    }
    if (!run->loaded) {
        fmcp__task_rec t;
        fmcp_json_parse_options po;
        FMCP__LOCK(&m->lock);
        rc = fmcp__trec_load(c->s->srv, run->id, &t);
        FMCP__UNLOCK(&m->lock);
        if (rc != FMCP_OK) return rc == FMCP_ERR_NOT_FOUND ? FMCP_ERR_CANCELLED : rc;   /* expired */
        memset(&po, 0, sizeof po);
        po.alloc = c->s->alloc;
        if (t.answers) rc = fmcp_json_parse(t.answers, strlen(t.answers), &po, &run->answers, NULL);
        fmcp__trec_free(c->s->alloc, &t);
        if (rc != FMCP_OK) return rc;
        run->loaded = 1;
    }
    v = fmcp_json_get(fmcp_json_root(run->answers), key);
    if (fmcp_json_is(v, FMCP_JSON_OBJECT)) *out = v;
    return FMCP_OK;
}

static fmcp_result fmcp__tasks_input(fmcp_ctx *c, const char *key, const char *method, const char *params,
                                     const fmcp_json **out)
{
    struct fmcp__task_run *run = c->task;
    fmcp_result rc = fmcp__tasks_answer(c, key, out);
    if (rc != FMCP_OK || *out) return rc;
    if (!run->n_ireq) fmcp_jw_object_begin(&run->ireq);
    fmcp_jw_key(&run->ireq, key);
    fmcp_jw_object_begin(&run->ireq);
    fmcp_jw_key(&run->ireq, "method"); fmcp_jw_str(&run->ireq, method);
    fmcp_jw_key(&run->ireq, "params");
    if (params) fmcp_jw_raw(&run->ireq, params, strlen(params));
    else { fmcp_jw_object_begin(&run->ireq); fmcp_jw_object_end(&run->ireq); }
    fmcp_jw_object_end(&run->ireq);
    run->n_ireq++;
    return FMCP_ERR_INPUT_REQUIRED;
}

/* ---- the end of a round -------------------------------------------------------------------------------- */

/* Make c ready to run again from the start (the next round). */
static void fmcp__tasks_rearm(fmcp_ctx *c)
{
    const fmcp_allocator *a = c->s->alloc;
    fmcp_jw_reset(&c->w);
    fmcp_jw_init(&c->w, a);
    fmcp__mcp_ctx_open(c);
    c->blocks = 0;
    c->has_text = c->is_error = c->has_progress = 0;
    if (c->structured) fmcp_free(a, c->structured, c->structured_len + 1);
    c->structured = NULL;
    c->structured_len = 0;
    fmcp__strfree(a, c->description, 0);
    fmcp__strfree(a, c->err_msg, 0);
    c->description = c->err_msg = NULL;
    c->err_code = 0;
    c->deferred = 0;
    c->rc_hold = FMCP_OK;
    if (c->mrtr) { fmcp__strfree(a, c->mrtr->err_data, 0); c->mrtr->err_data = NULL; }
    fmcp__tasks_round_reset(c);
}

/* {code, message[, data]} of the failure, as text. */
static char *fmcp__tasks_error_text(fmcp_ctx *c, int code, const char *message)
{
    fmcp_json_writer w;
    char *out, *text;
    size_t n;
    const char *data = c->mrtr ? c->mrtr->err_data : NULL;
    fmcp_jw_init(&w, c->s->alloc);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "code"); fmcp_jw_int(&w, code);
    fmcp_jw_key(&w, "message"); fmcp_jw_str(&w, message);
    if (data) { fmcp_jw_key(&w, "data"); fmcp_jw_raw(&w, data, strlen(data)); }
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, &out, &n) != FMCP_OK) { fmcp_jw_reset(&w); return NULL; }
    text = fmcp__strndup(c->s->alloc, out, n);
    fmcp_free_text(w.alloc, out, n);
    return text;
}

/* The ctx's result object as text (the envelope built as for a response). */
static char *fmcp__tasks_result_text(fmcp_ctx *c)
{
    fmcp_json_parse_options po;
    fmcp_json_doc *doc = NULL;
    char *out, *text = NULL;
    size_t n, tn = 0;
    fmcp__mcp_ctx_close(c);
    if (fmcp_jw_finish(&c->w, &out, &n) != FMCP_OK) { fmcp_jw_reset(&c->w); return NULL; }
    memset(&po, 0, sizeof po);
    po.alloc = c->s->alloc;
    if (fmcp_json_parse(out, n, &po, &doc, NULL) == FMCP_OK)
        text = fmcp__mcp_json_text(c->s->alloc, fmcp_json_get(fmcp_json_root(doc), "result"), &tn);
    fmcp_json_doc_destroy(doc);
    fmcp_free_text(c->w.alloc, out, n);
    fmcp_jw_init(&c->w, c->s->alloc);   /* finished: ctx_free resets it again */
    return text;
}

/* Fill t with how the round ended (t holds the stored record). */
static void fmcp__tasks_outcome(fmcp_ctx *c, fmcp_result rc, int cancelled, fmcp__task_rec *t)
{
    const fmcp_allocator *a = c->s->alloc;
    int ok = 1;
    fmcp__strfree(a, t->inputs, 0);
    t->inputs = NULL;
    if (cancelled) { t->status = FMCP__TS_CANCELLED; return; }
    if (!c->err_code && !(rc != FMCP_OK && (c->kind != FMCP__K_TOOL || rc == FMCP_ERR_INPUT_REQUIRED))) {
        if (rc != FMCP_OK) {
            char msg[96];
            if (!c->blocks) { snprintf(msg, sizeof msg, "Tool failed: %s", fmcp_result_str(rc)); (void)fmcp_ctx_add_text(c, msg); }
            c->is_error = 1;
        }
        if ((t->result = fmcp__tasks_result_text(c)) != NULL) { t->status = FMCP__TS_COMPLETED; return; }
        (void)fmcp_ctx_error(c, FMCP_RPC_INTERNAL_ERROR, "Internal error: out of memory");
    }
    t->status = FMCP__TS_FAILED;
    t->message = fmcp__mcp_strdup_opt(a, c->err_msg ? c->err_msg : fmcp_result_str(rc), &ok);
    t->error = fmcp__tasks_error_text(c, c->err_code ? c->err_code : fmcp__mcp_rc_to_rpc(c->kind, rc),
                                      c->err_msg ? c->err_msg : fmcp_result_str(rc));
}

/* Manager lock held: a result the store cannot take fails the task instead. */
static void fmcp__tasks_store_outcome(fmcp_server *srv, fmcp__task_rec *t)
{
    const fmcp_allocator *a = srv->alloc;
    if (fmcp__trec_save(srv, t, 0) == FMCP_OK || t->status != FMCP__TS_COMPLETED) return;
    fmcp__strfree(a, t->result, 0);
    t->result = NULL;
    t->status = FMCP__TS_FAILED;
    t->message = fmcp__strndup(a, "result too large for the task store", 35);
    t->error = fmcp__strndup(a, "{\"code\":-32603,\"message\":\"Internal error: result too large for the task store\"}", 79);
    (void)fmcp__trec_save(srv, t, 0);
}

/* Park c until tasks/update answers its inputs: 1 when parked. */
static int fmcp__tasks_park(fmcp_ctx *c)
{
    struct fmcp__task_run *run = c->task;
    fmcp_server *srv = c->s->srv;
    fmcp__task_rec t;
    char *out, *inputs;
    size_t n;
    int parked = 0, loaded;
    fmcp_jw_object_end(&run->ireq);
    if (fmcp_jw_finish(&run->ireq, &out, &n) != FMCP_OK) { fmcp_jw_reset(&run->ireq); return 0; }
    inputs = fmcp__strndup(srv->alloc, out, n);
    fmcp_free_text(run->ireq.alloc, out, n);
    if (!inputs) return 0;
    fmcp__tasks_rearm(c);
    FMCP__LOCK(&srv->tasks->lock);
    if ((loaded = fmcp__trec_load(srv, run->id, &t) == FMCP_OK) != 0 && t.status < FMCP__TS_COMPLETED) {
        fmcp__strfree(srv->alloc, t.inputs, 0);
        t.inputs = inputs;
        inputs = NULL;
        t.status = FMCP__TS_INPUT;
        parked = run->waiting = fmcp__trec_save(srv, &t, 0) == FMCP_OK;
    }
    FMCP__UNLOCK(&srv->tasks->lock);   /* c may be gone from here on (parked: cancel frees it) */
    if (parked) fmcp__tasks_notify(srv, &t);
    if (loaded) fmcp__trec_free(srv->alloc, &t);
    fmcp__strfree(srv->alloc, inputs, 0);
    return parked;
}

/* mcp.c's completion of a task's ctx (no lock held, out of every list). */
static void fmcp__tasks_settle(fmcp_ctx *c, fmcp_result rc, int cancelled)
{
    struct fmcp__task_run *run = c->task, **pp = NULL;
    fmcp_server *srv = c->s->srv;
    struct fmcp__tasks *m = srv->tasks;
    fmcp__task_rec t, o;
    int loaded, changed = 0;
    if (!cancelled && !c->err_code && run->n_ireq > 0 && rc != FMCP_OK && rc != FMCP_ERR_NOMEM &&
        rc != FMCP_ERR_CANCELLED) {
        /* a round whose output failed (no memory) fails the task rather than run again */
        if (c->w.err == FMCP_OK && fmcp__tasks_park(c)) return;
        FMCP__LOCK(&c->s->lock);
        cancelled = c->cancelled;   /* parking failed: cancelled, expired, or no memory */
        FMCP__UNLOCK(&c->s->lock);
        if (!cancelled) (void)fmcp_ctx_error(c, FMCP_RPC_INTERNAL_ERROR, "Internal error: could not wait for input");
    }
    memset(&o, 0, sizeof o);
    fmcp__tasks_outcome(c, rc, cancelled, &o);   /* built unlocked: it may be large */
    FMCP__LOCK(&m->lock);
    if ((loaded = fmcp__trec_load(srv, run->id, &t) == FMCP_OK) != 0 && t.status < FMCP__TS_COMPLETED) {
        fmcp__trec_free(srv->alloc, &t);   /* else cancelled first: that stands */
        t.status = o.status;
        t.message = o.message; t.result = o.result; t.error = o.error;
        memset(&o, 0, sizeof o);
        fmcp__tasks_store_outcome(srv, &t);
        changed = 1;
    }
    if (fmcp__tasks_find_run(m, run->id, &pp)) *pp = run->next;
    FMCP__UNLOCK(&m->lock);
    if (changed) fmcp__tasks_notify(srv, &t);
    if (loaded) fmcp__trec_free(srv->alloc, &t);
    fmcp__trec_free(srv->alloc, &o);
    fmcp__tasks_discard(c, rc, cancelled);
}

/* ---- tasks/get, tasks/update, tasks/cancel ----------------------------------------------------------- */

/* Manager lock held: move answers to pending keys from inputs to answers. */
static fmcp_result fmcp__tasks_apply(fmcp_server *srv, fmcp__task_rec *t, const fmcp_json *responses)
{
    const fmcp_allocator *a = srv->alloc;
    fmcp_json_parse_options po;
    fmcp_json_doc *in = NULL, *an = NULL;
    fmcp_json_writer ni, na;
    const fmcp_json *v, *resp;
    char *ti = NULL, *ta = NULL;
    size_t n, nti = 0, nta = 0;
    int moved = 0, left = 0;
    fmcp_result rc;
    if (t->status != FMCP__TS_INPUT || !t->inputs) return FMCP_OK;
    memset(&po, 0, sizeof po);
    po.alloc = a;
    if ((rc = fmcp_json_parse(t->inputs, strlen(t->inputs), &po, &in, NULL)) != FMCP_OK) return rc;
    if (t->answers && (rc = fmcp_json_parse(t->answers, strlen(t->answers), &po, &an, NULL)) != FMCP_OK) {
        fmcp_json_doc_destroy(in);
        return rc;
    }
    fmcp_jw_init(&ni, a); fmcp_jw_object_begin(&ni);
    fmcp_jw_init(&na, a); fmcp_jw_object_begin(&na);
    for (v = fmcp_json_first(fmcp_json_root(an)); v; v = fmcp_json_next(v)) {
        const char *k = fmcp_json_key(v, &n);
        fmcp_jw_keyn(&na, k, n); fmcp_jw_value(&na, v);
    }
    for (v = fmcp_json_first(fmcp_json_root(in)); v; v = fmcp_json_next(v)) {
        const char *k = fmcp_json_key(v, &n);
        resp = fmcp_json_getn(responses, k, n);
        if (fmcp_json_is(resp, FMCP_JSON_OBJECT)) { fmcp_jw_keyn(&na, k, n); fmcp_jw_value(&na, resp); moved++; }
        else { fmcp_jw_keyn(&ni, k, n); fmcp_jw_value(&ni, v); left++; }
    }
    fmcp_jw_object_end(&ni);
    fmcp_jw_object_end(&na);
    rc = moved ? fmcp_jw_finish(&ni, &ti, &nti) : FMCP_OK;
    if (rc == FMCP_OK && moved) rc = fmcp_jw_finish(&na, &ta, &nta);
    fmcp_json_doc_destroy(in);
    fmcp_json_doc_destroy(an);
    if (rc == FMCP_OK && moved) {
        fmcp__strfree(a, t->inputs, 0);
        fmcp__strfree(a, t->answers, 0);
        t->inputs = left ? fmcp__strndup(a, ti, nti) : NULL;
        t->answers = fmcp__strndup(a, ta, nta);
        if (!t->answers || (left && !t->inputs)) rc = FMCP_ERR_NOMEM;
        if (!left) t->status = FMCP__TS_WORKING;
        if (rc == FMCP_OK) rc = fmcp__trec_save(srv, t, 0);
    }
    if (ti) fmcp_free_text(ni.alloc, ti, nti); else fmcp_jw_reset(&ni);
    if (ta) fmcp_free_text(na.alloc, ta, nta); else fmcp_jw_reset(&na);
    return rc;
}

/* Manager lock held: act on the loaded task; *wake: a parked run to dispatch. */
static fmcp_result fmcp__tasks_act(fmcp__mcp_req *r, const char *op, fmcp__task_rec *t, fmcp_ctx **wake,
                                   fmcp_ctx **dead, int *changed)
{
    fmcp_server *srv = r->s->srv;
    struct fmcp__task_run *run, **pp = NULL;
    fmcp_result rc = FMCP_OK;
    run = fmcp__tasks_find_run(srv->tasks, t->id, &pp);
    if (strcmp(op, "update") == 0) {
        int before = t->status;
        const char *had = t->inputs;
        rc = fmcp__tasks_apply(srv, t, fmcp_json_get(r->params, "inputResponses"));
        *changed = t->status != before || t->inputs != had;
    } else if (strcmp(op, "cancel") == 0 && t->status < FMCP__TS_COMPLETED) {
        *changed = 1;
        t->status = FMCP__TS_CANCELLED;
        fmcp__strfree(srv->alloc, t->inputs, 0);
        t->inputs = NULL;
        rc = fmcp__trec_save(srv, t, 0);
        if (run && run->waiting) { *pp = run->next; run->c->qnext = *dead; *dead = run->c; run = NULL; }
        else if (run) { FMCP__LOCK(&run->c->s->lock); run->c->cancelled = 1; FMCP__UNLOCK(&run->c->s->lock); }
    }
    /* every input answered (here, or by another replica through the store) */
    if (rc == FMCP_OK && run && run->waiting && t->status == FMCP__TS_WORKING) {
        run->waiting = 0;
        *wake = run->c;
    }
    return rc;
}

static void fmcp__tasks_reply_get(fmcp__mcp_req *r, const fmcp__task_rec *t)
{
    fmcp_json_writer w;
    fmcp__mcp_req_begin(r, &w);
    fmcp_jw_object_begin(&w);
    fmcp__tasks_write_task(&w, t, 1);
    fmcp__mcp_result_end(r, &w);
    fmcp__mcp_req_end(r, &w);
}

static void fmcp__tasks_request(fmcp__mcp_req *r, const char *method)
{
    fmcp_server *srv = r->s->srv;
    struct fmcp__tasks *m = srv->tasks;
    const char *op = method + 6, *id = fmcp_json_get_str(r->params, "taskId", NULL);
    char who[FMCP_PRINCIPAL_SIZE];
    fmcp__task_rec t;
    fmcp_ctx *wake = NULL, *dead = NULL;
    fmcp_result rc;
    int changed = 0;
    if (strcmp(op, "get") != 0 && strcmp(op, "update") != 0 && strcmp(op, "cancel") != 0) {
        fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_METHOD_NOT_FOUND,
                                   "Method not found", NULL, 404);
        return;
    }
    if (!(r->era.caps & FMCP__CAP_TASKS)) { fmcp__tasks_missing(r); return; }
    if (!id) { fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Invalid params: taskId must be a string"); return; }
    if (strcmp(op, "update") == 0 && !fmcp_json_is(fmcp_json_get(r->params, "inputResponses"), FMCP_JSON_OBJECT)) {
        fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Invalid params: inputResponses must be an object");
        return;
    }
    fmcp__era_principal(r->au, who);
    FMCP__LOCK(&m->lock);
    fmcp__tasks_sweep(m, &dead);
    rc = fmcp__trec_load(srv, id, &t);
    if (rc == FMCP_OK && strcmp(t.owner, who) != 0) { fmcp__trec_free(srv->alloc, &t); rc = FMCP_ERR_NOT_FOUND; }
    if (rc == FMCP_OK && (rc = fmcp__tasks_act(r, op, &t, &wake, &dead, &changed)) != FMCP_OK) fmcp__trec_free(srv->alloc, &t);
    FMCP__UNLOCK(&m->lock);
    fmcp__tasks_discard_all(dead);
    if (rc == FMCP_OK && changed) fmcp__tasks_notify(srv, &t);
    if (wake) fmcp__mcp_dispatch(wake);
    if (rc == FMCP_ERR_NOT_FOUND) fmcp__mcp_req_error(r, FMCP_RPC_INVALID_PARAMS, "Failed to retrieve task: Task not found");
    else if (rc != FMCP_OK) fmcp__mcp_req_error(r, FMCP_RPC_INTERNAL_ERROR, fmcp_result_str(rc));
    else if (strcmp(op, "get") == 0) fmcp__tasks_reply_get(r, &t);
    else fmcp__mcp_req_empty(r);
    if (rc == FMCP_OK) fmcp__trec_free(srv->alloc, &t);
}

/* ---- server lifecycle ---------------------------------------------------------------------------------- */

static fmcp_result fmcp__tasks_init(fmcp_server *srv, const fmcp_server_desc *d)
{
    struct fmcp__tasks *m = (struct fmcp__tasks *)fmcp_malloc(srv->alloc, sizeof *m);
    if (!m) return FMCP_ERR_NOMEM;
    memset(m, 0, sizeof *m);
    FMCP__MINIT(&m->lock);
    m->ttl_ms = d->task_ttl_ms > 0 ? d->task_ttl_ms : 3600000;
    m->poll_ms = d->task_poll_ms > 0 ? d->task_poll_ms : 1000;
    m->mem.a = srv->alloc;
    m->mem.max_count = d->task_max_count ? d->task_max_count : 1000;
    m->mem.max_bytes = d->task_max_bytes ? d->task_max_bytes : (size_t)16 << 20;
    if (d->task_store) {
        m->store = *d->task_store;
    } else {
        m->store.put = fmcp__tmem_put;
        m->store.update = fmcp__tmem_update;
        m->store.get = fmcp__tmem_get;
        m->store.del = fmcp__tmem_del;
        m->store.user = &m->mem;
    }
    srv->tasks = m;
    return FMCP_OK;
}

/* Server shutdown, before the pool stops: running task handlers are told
 * to stop (fmcp_ctx_is_cancelled); their tasks end as cancelled. */
static void fmcp__tasks_stop(fmcp_server *srv)
{
    struct fmcp__tasks *m = srv->tasks;
    struct fmcp__task_run *run;
    if (!m) return;
    FMCP__LOCK(&m->lock);
    for (run = m->runs; run; run = run->next) {
        if (run->waiting) continue;
        FMCP__LOCK(&run->c->s->lock);
        run->c->cancelled = 1;
        FMCP__UNLOCK(&run->c->s->lock);
    }
    FMCP__UNLOCK(&m->lock);
}

/* After the pool stopped: parked runs end, the in-memory records go. */
static void fmcp__tasks_free(fmcp_server *srv)
{
    struct fmcp__tasks *m = srv->tasks;
    fmcp_ctx *dead = NULL;
    if (!m) return;
    while (m->runs) {
        struct fmcp__task_run *run = m->runs;
        m->runs = run->next;
        if (run->waiting) { run->c->qnext = dead; dead = run->c; }
    }
    fmcp__tasks_discard_all(dead);
    while (m->mem.head) fmcp__tmem_unlink(&m->mem, &m->mem.head);
    FMCP__MFREE(&m->lock);
    fmcp_free(srv->alloc, m, sizeof *m);
    srv->tasks = NULL;
}

#else /* FASTMCP_NO_TASKS: the extension is left out (small builds); the engine's hooks do nothing */

static fmcp_result fmcp__tasks_init(fmcp_server *srv, const fmcp_server_desc *d) { (void)srv; (void)d; return FMCP_OK; }
static void fmcp__tasks_stop(fmcp_server *srv) { (void)srv; }
static void fmcp__tasks_free(fmcp_server *srv) { (void)srv; }
static void fmcp__tasks_write_ext(fmcp_json_writer *w) { (void)w; }
static int fmcp__tasks_listen_ok(fmcp__mcp_req *r, const fmcp_json *filter) { (void)r; (void)filter; return 1; }
static void fmcp__tasks_ack(fmcp_json_writer *w, const fmcp_json *filter) { (void)w; (void)filter; }
static int fmcp__tasks_call(fmcp__mcp_req *r, fmcp_ctx *c, int support) { (void)r; (void)c; (void)support; return 0; }
static void fmcp__tasks_settle(fmcp_ctx *c, fmcp_result rc, int cancelled) { (void)c; (void)rc; (void)cancelled; }
static fmcp_result fmcp__tasks_input(fmcp_ctx *c, const char *key, const char *method, const char *params,
                                     const fmcp_json **out)
{
    (void)c; (void)key; (void)method; (void)params; (void)out;
    return FMCP_ERR_STATE;
}
static void fmcp__tasks_request(fmcp__mcp_req *r, const char *method)
{
    (void)method;
    fmcp__mcp_reply_error_data(r->s, r->g, r->b, r->id, r->id_len, FMCP_RPC_METHOD_NOT_FOUND, "Method not found",
                               NULL, 404);
}
FASTMCP_API int fmcp_ctx_is_task(const fmcp_ctx *c) { (void)c; return 0; }
FASTMCP_API fmcp_result fmcp_ctx_start_task(fmcp_ctx *c) { (void)c; return FMCP_ERR_UNSUPPORTED; }

#endif /* FASTMCP_NO_TASKS */
