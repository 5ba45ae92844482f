/* stream: implementation */
#include "stream.h"

#include <string.h>
#include <stdio.h>
#if defined(__unix__) || defined(__APPLE__)
#  include <unistd.h>
#  include <errno.h>
#endif
#ifndef FASTMCP_NO_THREADS
#  include <pthread.h>
#endif

struct fmcp_stream {
    fmcp_server *srv;
    const fmcp_allocator *a;
    fmcp_stream_desc d;
    fmcp_session *s;
    char *buf;              /* the unfinished line */
    size_t len, cap;
    int discarding;         /* inside an over-long line */
    int write_failed;
    int closed;             /* the session is closed already (end of input) */
};

static fmcp_result fmcp__stream_write_all(fmcp_stream *st, const char *p, size_t n)
{
    while (n > 0) {
        long w = st->d.write(st->d.user, p, n);
        if (w <= 0) return FMCP_ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return FMCP_OK;
}

/* Session send callback: one message, one line. Already serialised. */
static fmcp_result fmcp__stream_send(void *user, const char *json, size_t len, const fmcp_send_info *info)
{
    fmcp_stream *st = (fmcp_stream *)user;
    fmcp_result r;
    char line[4096];
    (void)info;
    if (st->write_failed) return FMCP_ERR_IO;
    if (len < sizeof line) {
        /* one write per message: a separate "\n" doubles the syscalls and
         * wakes the reader twice for every line */
        memcpy(line, json, len);
        line[len] = '\n';
        r = fmcp__stream_write_all(st, line, len + 1);
    } else {
        r = fmcp__stream_write_all(st, json, len);
        if (r == FMCP_OK) r = fmcp__stream_write_all(st, "\n", 1);
    }
    if (r != FMCP_OK) st->write_failed = 1;
    return r;
}

FASTMCP_API fmcp_result fmcp_stream_create(fmcp_server *srv, const fmcp_stream_desc *d, fmcp_stream **out)
{
    fmcp_session_desc sd;
    fmcp_stream *st;
    fmcp_result r;
    if (!srv || !d || !d->write || !out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    st = (fmcp_stream *)fmcp_malloc(fmcp_server_allocator(srv), sizeof *st);
    if (!st) return FMCP_ERR_NOMEM;
    memset(st, 0, sizeof *st);
    st->srv = srv;
    st->a = fmcp_server_allocator(srv);
    st->d = *d;
    st->d.auth = NULL;
    if (!st->d.max_line) st->d.max_line = (size_t)4 << 20;
    memset(&sd, 0, sizeof sd);
    sd.send = fmcp__stream_send;
    sd.user = st;
    sd.auth = d->auth;
    r = fmcp_session_create(srv, &sd, &st->s);
    if (r != FMCP_OK) { fmcp_free(st->a, st, sizeof *st); return r; }
    *out = st;
    return FMCP_OK;
}

FASTMCP_API fmcp_session *fmcp_stream_session(fmcp_stream *st)
{
    return st ? st->s : NULL;
}

FASTMCP_API void fmcp_stream_destroy(fmcp_stream *st)
{
    if (!st) return;
    if (!st->closed) fmcp_session_close(st->s);
    if (st->buf) fmcp_free(st->a, st->buf, st->cap);
    fmcp_free(st->a, st, sizeof *st);
}

/* o: receive options for a line that may hand the reading over (see
 * fmcp__stream_lf), or NULL. */
static fmcp_result fmcp__stream_line(fmcp_stream *st, const char *p, size_t n, const fmcp_receive_opts *o)
{
    size_t i;
    if (n && p[n - 1] == '\r') n--;
    for (i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t') break;
    if (i == n) return FMCP_OK;   /* blank line */
    return fmcp_session_receive_ex(st->s, p, n, o);
}

static fmcp_result fmcp__stream_too_long(fmcp_stream *st)
{
    char msg[96];
    snprintf(msg, sizeof msg, "Invalid Request: message exceeds %lu bytes", (unsigned long)st->d.max_line);
    return fmcp_session_reply_error(st->s, NULL, FMCP_RPC_INVALID_REQUEST, msg);
}

/* Keep n more bytes of the unfinished line, or start discarding it. */
static fmcp_result fmcp__stream_keep(fmcp_stream *st, const char *p, size_t n)
{
    if (st->len + n > st->d.max_line) {
        st->discarding = 1;
        st->len = 0;
        return FMCP_OK;
    }
    if (st->len + n > st->cap) {
        size_t nc = st->cap ? st->cap : 4096;
        char *nb;
        while (nc < st->len + n) nc *= 2;
        if (nc > st->d.max_line) nc = st->d.max_line;
        nb = (char *)fmcp_realloc(st->a, st->buf, st->cap, nc);
        if (!nb) { st->discarding = 1; st->len = 0; return FMCP_ERR_NOMEM; }
        st->buf = nb;
        st->cap = nc;
    }
    memcpy(st->buf + st->len, p, n);
    st->len += n;
    return FMCP_OK;
}

/* Receive options: `last` for a line that is all of data, which may hand the
 * reading to another thread (nothing of the stream's own state is left to
 * touch then; a read of several lines is a pipelining client: the pool takes
 * them all in one go), `mid` for every other line. NULL = plain receive. */
static fmcp_result fmcp__stream_feed(fmcp_stream *st, const void *data, size_t n, const fmcp_receive_opts *mid,
                                     const fmcp_receive_opts *last)
{
    const char *p = (const char *)data, *end = p + n;
    fmcp_result r = FMCP_OK, r2;
    while (p < end) {
        const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
        size_t seg = (size_t)((nl ? nl : end) - p);
        if (st->discarding) {
            if (nl) { st->discarding = 0; r2 = fmcp__stream_too_long(st); if (r2 != FMCP_OK) r = r2; }
        } else if (nl && st->len == 0 && seg <= st->d.max_line) {
            /* whole line in hand: no copy */
            r2 = fmcp__stream_line(st, p, seg, nl + 1 == end && p == (const char *)data ? last : mid);
            if (r2 != FMCP_OK) r = r2;
        } else {
            r2 = fmcp__stream_keep(st, p, seg);
            if (r2 != FMCP_OK) r = r2;
            if (nl && st->discarding) { st->discarding = 0; r2 = fmcp__stream_too_long(st); if (r2 != FMCP_OK) r = r2; }
            else if (nl) { r2 = fmcp__stream_line(st, st->buf, st->len, mid); st->len = 0; if (r2 != FMCP_OK) r = r2; }
        }
        p += seg + (nl ? 1 : 0);
    }
    return r;
}

FASTMCP_API fmcp_result fmcp_stream_feed(fmcp_stream *st, const void *data, size_t n)
{
    fmcp_result r;
    if (!st || (!data && n)) return FMCP_ERR_INVALID_ARG;
    r = fmcp__stream_feed(st, data, n, NULL, NULL);
    return st->write_failed ? FMCP_ERR_IO : r;
}

static void fmcp__stream_fed(fmcp_stream *st, fmcp_result r)
{
    if (r == FMCP_ERR_NOMEM)
        fmcp_server_log(st->srv, FMCP_LOG_ERROR, "stream: out of memory, a message was dropped");
}

#ifndef FASTMCP_NO_THREADS
/* Leader/follower reading, for servers with a worker pool: the thread that
 * reads a lone request runs its handler itself and hands the reading to a
 * second thread, so the answer never waits for a pool worker to wake up (the
 * hand-over's wake-up overlaps the handler). One thread reads at a time: it
 * holds the baton. The second thread starts with the first request that
 * could use it; a request arriving while both are busy goes to the pool. */
typedef struct fmcp__stream_lf {
    fmcp_stream *st;
    pthread_mutex_t m;
    pthread_cond_t cv;
    pthread_t helper;
    int started;    /* helper thread: 0 not yet, 1 running, -1 could not start */
    int reading;    /* a thread holds the baton */
    int waiting;    /* threads waiting for it */
    int done;       /* input ended or failed */
    fmcp_result rc;
} fmcp__stream_lf;

typedef struct fmcp__stream_lft {
    fmcp__stream_lf *lf;
    int handed;         /* this thread gave the baton away during its feed */
    fmcp_job_list jobs; /* calls of this read, for the pool in one go */
} fmcp__stream_lft;

static void *fmcp__stream_lf_main(void *arg);

static int fmcp__stream_lf_handoff(void *user)
{
    fmcp__stream_lft *t = (fmcp__stream_lft *)user;
    fmcp__stream_lf *lf = t->lf;
    int ok;
    pthread_mutex_lock(&lf->m);
    if (!lf->started) lf->started = pthread_create(&lf->helper, NULL, fmcp__stream_lf_main, lf) == 0 ? 1 : -1;
    ok = lf->waiting > 0;
    if (ok) { lf->reading = 0; t->handed = 1; }
    pthread_mutex_unlock(&lf->m);
    if (ok) pthread_cond_signal(&lf->cv);
    return ok;
}

/* 1 with the baton taken, 0 when the input has ended. */
static int fmcp__stream_lf_take(fmcp__stream_lf *lf)
{
    int got;
    pthread_mutex_lock(&lf->m);
    while (lf->reading && !lf->done) {
        lf->waiting++;
        pthread_cond_wait(&lf->cv, &lf->m);
        lf->waiting--;
    }
    got = !lf->done;
    if (got) lf->reading = 1;
    pthread_mutex_unlock(&lf->m);
    return got;
}

/* End of input, seen by the baton holder: cancel in-flight calls now (a
 * handler on the other thread may still run) and let the other thread go. */
static void fmcp__stream_lf_end(fmcp__stream_lf *lf, long n)
{
    pthread_mutex_lock(&lf->m);
    lf->done = 1;
    lf->rc = n == 0 ? FMCP_OK : FMCP_ERR_IO;
    lf->reading = 0;
    lf->st->closed = 1;
    pthread_mutex_unlock(&lf->m);
    pthread_cond_broadcast(&lf->cv);
    fmcp_session_close(lf->st->s);
}

static void fmcp__stream_lf_loop(fmcp__stream_lf *lf)
{
    fmcp_stream *st = lf->st;
    fmcp__stream_lft t;
    fmcp_receive_opts mid, last;
    char buf[16384];
    int baton = 0;
    memset(&t, 0, sizeof t);
    t.lf = lf;
    memset(&mid, 0, sizeof mid);
    mid.defer = &t.jobs;
    last = mid;
    last.handoff = fmcp__stream_lf_handoff;
    last.handoff_user = &t;
    for (;;) {
        long n;
        if (!baton && !(baton = fmcp__stream_lf_take(lf))) return;
        n = st->d.read(st->d.user, buf, sizeof buf);
        if (n <= 0) { fmcp__stream_lf_end(lf, n); return; }
        t.handed = 0;
        fmcp__stream_fed(st, fmcp__stream_feed(st, buf, (size_t)n, &mid, &last));
        fmcp_server_push_jobs(st->srv, &t.jobs);
        if (t.handed) baton = 0;   /* st is the new reader's now */
        else fmcp_session_expire(st->s);
    }
}

static void *fmcp__stream_lf_main(void *arg)
{
    fmcp__stream_lf_loop((fmcp__stream_lf *)arg);
    return NULL;
}

static fmcp_result fmcp__stream_serve_lf(fmcp_stream *st)
{
    fmcp__stream_lf lf;
    memset(&lf, 0, sizeof lf);
    lf.st = st;
    pthread_mutex_init(&lf.m, NULL);
    pthread_cond_init(&lf.cv, NULL);
    fmcp__stream_lf_loop(&lf);
    /* done: nobody feeds any more, so `started` is final */
    if (lf.started == 1) pthread_join(lf.helper, NULL);
    pthread_cond_destroy(&lf.cv);
    pthread_mutex_destroy(&lf.m);
    return lf.rc;
}
#else
static fmcp_result fmcp__stream_serve_lf(fmcp_stream *st)
{
    char buf[16384];
    for (;;) {
        long n = st->d.read(st->d.user, buf, sizeof buf);
        if (n <= 0) return n == 0 ? FMCP_OK : FMCP_ERR_IO;
        fmcp__stream_fed(st, fmcp__stream_feed(st, buf, (size_t)n, NULL, NULL));
        fmcp_session_expire(st->s);
    }
}
#endif

FASTMCP_API fmcp_result fmcp_stream_serve(fmcp_server *srv, const fmcp_stream_desc *d)
{
    fmcp_stream *st;
    fmcp_result r;
    if (!d || !d->read) return FMCP_ERR_INVALID_ARG;
    if ((r = fmcp_stream_create(srv, d, &st)) != FMCP_OK) return r;
    r = fmcp__stream_serve_lf(st);
    if (st->len) fmcp_server_log(srv, FMCP_LOG_WARNING, "stream: input ended inside a message");
    fmcp_stream_destroy(st);
    return r;
}

FASTMCP_API void fmcp_log_stderr(void *user, fmcp_log_level level, const char *message)
{
    static const char *const names[] = { "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency" };
    (void)user;
    fprintf(stderr, "fastmcp: %s: %s\n", names[(int)level & 7], message);
}

#if defined(__unix__) || defined(__APPLE__)
static long fmcp__stream_stdio_read(void *user, void *buf, size_t cap)
{
    ssize_t n;
    (void)user;
    do { n = read(0, buf, cap); } while (n < 0 && errno == EINTR);
    return (long)n;
}

static long fmcp__stream_stdio_write(void *user, const void *buf, size_t len)
{
    ssize_t n;
    (void)user;
    do { n = write(1, buf, len); } while (n < 0 && errno == EINTR);
    return (long)n;
}
#else
static long fmcp__stream_stdio_read(void *user, void *buf, size_t cap)
{
    size_t n;
    (void)user;
    n = fread(buf, 1, 1, stdin);   /* one byte: fread would wait for cap bytes */
    (void)cap;
    return n ? (long)n : (ferror(stdin) ? -1 : 0);
}

static long fmcp__stream_stdio_write(void *user, const void *buf, size_t len)
{
    size_t n;
    (void)user;
    n = fwrite(buf, 1, len, stdout);
    fflush(stdout);
    return n ? (long)n : -1;
}
#endif

FASTMCP_API fmcp_result fmcp_server_run_stdio(fmcp_server *srv)
{
    fmcp_stream_desc d;
    memset(&d, 0, sizeof d);
    d.read = fmcp__stream_stdio_read;
    d.write = fmcp__stream_stdio_write;
    return fmcp_stream_serve(srv, &d);
}
