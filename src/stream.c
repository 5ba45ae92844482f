/* stream: implementation */
#include "stream.h"

#include <string.h>
#include <stdio.h>
#if defined(__unix__) || defined(__APPLE__)
#  include <unistd.h>
#  include <errno.h>
#endif

struct fmcp_stream {
    fmcp_server *srv;
    const fmcp_allocator *a;
    fmcp_stream_desc d;
    fmcp_session *s;
    fmcp__buf line;         /* the unfinished line (max: max_line + NUL) */
    char *wbuf;             /* a message and its newline, for one write */
    size_t wcap;
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
    (void)info;
    if (st->write_failed) return FMCP_ERR_IO;
    if (len < st->wcap) {
        /* one write per message: a separate "\n" doubles the syscalls and
         * wakes the reader twice for every line. wbuf is the stream's own:
         * the session serialises sends. */
        memcpy(st->wbuf, json, len);
        st->wbuf[len] = '\n';
        r = fmcp__stream_write_all(st, st->wbuf, len + 1);
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
    if (!st->d.read_size) st->d.read_size = 16384;
    st->line.a = st->a;   /* zeroed above: a plain buffer */
    st->line.max = st->d.max_line + 1;
    st->wcap = st->d.write_size ? st->d.write_size : 4096;
    st->wbuf = (char *)fmcp_malloc(st->a, st->wcap);
    if (!st->wbuf) { fmcp_free(st->a, st, sizeof *st); return FMCP_ERR_NOMEM; }
    memset(&sd, 0, sizeof sd);
    sd.send = fmcp__stream_send;
    sd.user = st;
    sd.auth = d->auth;
    r = fmcp_session_create(srv, &sd, &st->s);
    if (r != FMCP_OK) { fmcp_free(st->a, st->wbuf, st->wcap); fmcp_free(st->a, st, sizeof *st); return r; }
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
    if (!st->closed) fmcp_session_destroy(st->s);
    fmcp__buf_free(&st->line);
    fmcp_free(st->a, st->wbuf, st->wcap);
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
    FMCP__SNPRINTF(msg, sizeof msg, "Invalid Request: message exceeds %lu bytes", (unsigned long)st->d.max_line);
    return fmcp_session_reply_error(st->s, NULL, FMCP_RPC_INVALID_REQUEST, msg);
}

/* Keep n more bytes of the unfinished line, or start discarding it. */
static fmcp_result fmcp__stream_keep(fmcp_stream *st, const char *p, size_t n)
{
    fmcp_result r = FMCP_OK;
    fmcp__buf_put(&st->line, p, n);   /* grows by doubling: small targets keep small lines small */
    if (st->line.err != FMCP_OK) {    /* too long, or no memory: drop the line */
        if (st->line.err == FMCP_ERR_NOMEM) r = FMCP_ERR_NOMEM;
        st->discarding = 1;
        st->line.len = 0;
        st->line.err = FMCP_OK;
    }
    return r;
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
        } else if (nl && st->line.len == 0 && seg <= st->d.max_line) {
            /* whole line in hand: no copy */
            r2 = fmcp__stream_line(st, p, seg, nl + 1 == end && p == (const char *)data ? last : mid);
            if (r2 != FMCP_OK) r = r2;
        } else {
            r2 = fmcp__stream_keep(st, p, seg);
            if (r2 != FMCP_OK) r = r2;
            if (nl && st->discarding) { st->discarding = 0; r2 = fmcp__stream_too_long(st); if (r2 != FMCP_OK) r = r2; }
            else if (nl) { r2 = fmcp__stream_line(st, st->line.p, st->line.len, mid); st->line.len = 0; if (r2 != FMCP_OK) r = r2; }
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
/* Leader/follower reading, for servers with a worker pool. One thread reads
 * at a time: it holds the baton. A lone request it reads (one line giving one
 * pool job) it runs itself and keeps the baton: no thread wakes up on the way
 * to the answer, which on a VM saves more than the call itself costs. The
 * other thread (started with the first pool-bound call) watches meanwhile, as
 * the pool's sentinel does (fmcp__mcp_wait_job): when the same job is still
 * running a millisecond later it steals the baton and reads on, so a slow
 * tool delays pings, cancellations and other calls by 1-2 ms at most, the
 * bound the pool gives queued jobs. A read of several calls (a pipelining
 * client) is run the same way, through the pool's queue
 * (fmcp_server_run_jobs), so a call stuck behind a slow one in the same read
 * is started by an idle worker. A request read while the other thread is
 * busy too goes to the pool.
 *
 * Watching costs next to nothing: the watcher naps 1 ms at a time ("alert")
 * while calls keep coming, then 2, 4 .. 64 ms once they stop, then sleeps
 * until a hand-off signals it. A hand-off signals it only out of the alert
 * state, so a burst of fast calls wakes nobody, and a slow tool after a quiet
 * spell is still noticed within about a millisecond.
 *
 * The fields below (except `piped`) are read and written under m, which orders
 * the races:
 * - hand-off vs watcher: the watcher lets go of m only inside its nap, so a
 *   hand-off finds it asleep (waiting > 0) or finds none (the pool takes the
 *   job). A signal cannot be lost: what it announces is set before it and
 *   looked at before every nap.
 * - steal vs job end: whoever takes m first wins. A steal leaves `stolen`
 *   for the job's thread to find when the job returns; a job end clears
 *   `stealable`, and the next hand-off's new epoch keeps an earlier look from
 *   counting towards a steal.
 * - end of input: only the baton holder reads, so only it sets `done`; a
 *   watcher is broadcast away, and a thread still running a job it was
 *   stolen from finds `done` when it comes to watch.
 * The stream's own state (st->line, discarding) belongs to the baton
 * holder alone: a hand-off comes only for a read's last line with nothing
 * left to parse, so a thread running a handed-off job touches none of it
 * after a steal. */
#define FMCP__STREAM_ALERT_MS 1
#define FMCP__STREAM_DOZE_MAX_MS 64

typedef struct fmcp__stream_lf {
    fmcp_stream *st;
    fmcp__mutex m;
    fmcp__cond cv;      /* the watcher sleeps on it; nobody else does */
    int mono;               /* cv runs on CLOCK_MONOTONIC */
    fmcp__thread helper;
    int started;            /* helper thread: 0 not yet, 1 running, -1 could not start */
    int waiting;            /* a thread is inside fmcp__stream_lf_watch */
    int alert;              /* the watcher naps 1 ms at a time, or a signal is on its way */
    int stealable;          /* the baton holder runs a handed-off job */
    int stolen;             /* ... and the watcher has taken the baton from it */
    unsigned long epoch;    /* hand-offs so far: one stealable job from the next */
    int done;               /* input ended or failed */
    int piped;              /* the last read held several calls (the baton holder's, no m) */
    fmcp_result rc;
    char *bufs;             /* read buffers: the first read_size bytes the caller's, then the helper's */
} fmcp__stream_lf;

typedef struct fmcp__stream_lft {
    fmcp__stream_lf *lf;
    int asked;              /* handoff was called during this feed */
    int handed;             /* ... and said yes: this thread ran the job */
    fmcp_job_list jobs;     /* calls of this read, for the pool in one go */
} fmcp__stream_lft;

/* Sleep on lf->cv (m held) for ms, or until signalled when ms is 0. The
 * naps run on the monotonic clock where there is one (fmcp__cond_init_mono). */
static void fmcp__stream_nap(fmcp__stream_lf *lf, int ms)
{
    if (ms <= 0) fmcp__cond_wait(&lf->cv, &lf->m);
    else fmcp__cond_wait_ms(&lf->cv, &lf->m, ms, lf->mono);
}

static void *fmcp__stream_lf_main(void *arg);

/* The engine asks before running a lone job here. Yes when a watcher exists
 * (else the pool takes the job: the other thread is busy or not started):
 * the job becomes stealable and this thread keeps the baton meanwhile. Not
 * for a pipelining client (the last read held several calls): more lines
 * are likely waiting, and reading them beats running this one first; the
 * pool takes it (p99 latency halved, measured with 16 calls in flight). */
/* This thread is about to run jobs it read (allow: it may): 1 when a watcher
 * waits, the jobs are stealable now and t->handed is set; 0 = the pool's. */
static int fmcp__stream_lf_claim(fmcp__stream_lft *t, int allow)
{
    fmcp__stream_lf *lf = t->lf;
    int ok, poke = 0;
    fmcp__mutex_lock(&lf->m);
    if (!lf->started) lf->started = fmcp__thread_start(&lf->helper, fmcp__stream_lf_main, lf) == 0 ? 1 : -1;
    ok = lf->waiting > 0 && allow;
    if (ok) {
        lf->stealable = 1;
        lf->epoch++;
        /* A watcher that naps 1 ms looks again soon enough. One that dozes
         * longer (or sleeps) is signalled, once: `alert` stays set until it
         * has looked. It sleeps on cv (it is inside watch and we hold m), so
         * the signal reaches it; if it woke meanwhile it sees the flag. */
        poke = !lf->alert;
        lf->alert = 1;
        t->handed = 1;
    }
    fmcp__mutex_unlock(&lf->m);
    if (poke) fmcp__cond_signal(&lf->cv);
    return ok;
}

static int fmcp__stream_lf_handoff(void *user)
{
    fmcp__stream_lft *t = (fmcp__stream_lft *)user;
    t->asked = 1;
    return fmcp__stream_lf_claim(t, !t->lf->piped);
}

/* Watch the baton holder until this thread steals the baton (1) or the input
 * ends (0). A steal needs two looks at least a nap apart that both see the
 * same stealable job (same epoch): it has run for about a millisecond. */
static int fmcp__stream_lf_watch(fmcp__stream_lf *lf)
{
    int ms = FMCP__STREAM_ALERT_MS, saw = 0, got;
    unsigned long seen;
    fmcp__mutex_lock(&lf->m);
    lf->waiting++;
    seen = lf->epoch;
    while (!lf->done) {
        if (lf->stealable && saw && lf->epoch == seen) {
            /* The holder learns of it under m when its job returns; until
             * then it touches no stream state (see above). */
            lf->stealable = 0;
            lf->stolen = 1;
            break;
        }
        saw = lf->stealable;
        seen = lf->epoch;
        lf->alert = ms == FMCP__STREAM_ALERT_MS;
        fmcp__stream_nap(lf, ms);
        /* a call came meanwhile: stay alert; none: back off, then sleep */
        if (lf->stealable || lf->epoch != seen) ms = FMCP__STREAM_ALERT_MS;
        else ms = ms > 0 && ms < FMCP__STREAM_DOZE_MAX_MS ? ms * 2 : 0;
    }
    lf->alert = 0;
    lf->waiting--;
    got = !lf->done;
    fmcp__mutex_unlock(&lf->m);
    return got;
}

/* After a feed that ran a handed-off job: 1 = this thread still holds the
 * baton, 0 = it was stolen (the thief reads now; this thread watches). Under
 * m, so a steal and the job's end are ordered: either the watcher saw the
 * job still stealable and took the baton, or it sees stealable cleared. */
static int fmcp__stream_lf_kept(fmcp__stream_lf *lf)
{
    int kept;
    fmcp__mutex_lock(&lf->m);
    kept = !lf->stolen;
    lf->stolen = lf->stealable = 0;
    fmcp__mutex_unlock(&lf->m);
    return kept;
}

/* End of input, seen by the baton holder: cancel in-flight calls now (a
 * handler on the other thread may still run, stolen from or not: it notices
 * `done` when it returns) and let a watcher go. */
static void fmcp__stream_lf_end(fmcp__stream_lf *lf, long n)
{
    fmcp__mutex_lock(&lf->m);
    lf->done = 1;
    lf->rc = n == 0 ? FMCP_OK : FMCP_ERR_IO;
    lf->st->closed = 1;
    fmcp__mutex_unlock(&lf->m);
    fmcp__cond_broadcast(&lf->cv);
    fmcp_session_destroy(lf->st->s);
}

static void fmcp__stream_lf_loop(fmcp__stream_lf *lf, int baton)
{
    fmcp_stream *st = lf->st;
    fmcp__stream_lft t;
    fmcp_receive_opts mid, last;
    size_t cap = st->d.read_size;
    char *buf = lf->bufs + (baton ? 0 : cap);   /* the caller starts with the baton */
    memset(&t, 0, sizeof t);
    t.lf = lf;
    memset(&mid, 0, sizeof mid);
    mid.defer = &t.jobs;
    last = mid;
    last.handoff = fmcp__stream_lf_handoff;
    last.handoff_user = &t;
    for (;;) {
        long n;
        int piped;
        if (!baton && !(baton = fmcp__stream_lf_watch(lf))) return;
        n = st->d.read(st->d.user, buf, cap);
        if (n <= 0) { fmcp__stream_lf_end(lf, n); return; }
        t.handed = t.asked = 0;
        fmcp__stream_fed(st, fmcp__stream_feed(st, buf, (size_t)n, &mid, &last));
        piped = !t.asked && t.jobs.n > 0;   /* asked: one line, one job */
        /* several calls (a pipelining client): run them here too, through
         * the pool's queue, so a fast batch wakes no worker; the watcher
         * reads meanwhile if they take long */
        if (piped && fmcp__stream_lf_claim(&t, 1)) fmcp_server_run_jobs(st->srv, &t.jobs);
        else fmcp_server_push_jobs(st->srv, &t.jobs);
        if (t.handed) baton = fmcp__stream_lf_kept(lf);
        if (!baton) continue;   /* stolen: the thief owns `piped` and the rest */
        lf->piped = piped;
        fmcp_session_expire(st->s);
    }
}

/* The helper thread starts as the watcher. */
static void *fmcp__stream_lf_main(void *arg)
{
    fmcp__stream_lf_loop((fmcp__stream_lf *)arg, 0);
    return NULL;
}

static fmcp_result fmcp__stream_serve_lf(fmcp_stream *st)
{
    fmcp__stream_lf lf;
    memset(&lf, 0, sizeof lf);
    lf.st = st;
    if (st->d.read_size > ((size_t)-1) / 2) return FMCP_ERR_INVALID_ARG;
    lf.bufs = (char *)fmcp_malloc(st->a, 2 * st->d.read_size);
    if (!lf.bufs) return FMCP_ERR_NOMEM;
    fmcp__mutex_init(&lf.m);
    lf.mono = fmcp__cond_init_mono(&lf.cv);
    fmcp__stream_lf_loop(&lf, 1);
    /* done: nobody hands off any more, so `started` is final */
    if (lf.started == 1) fmcp__thread_join(&lf.helper);
    fmcp__cond_destroy(&lf.cv);
    fmcp__mutex_destroy(&lf.m);
    fmcp_free(st->a, lf.bufs, 2 * st->d.read_size);
    return lf.rc;
}
#else
static fmcp_result fmcp__stream_serve_lf(fmcp_stream *st)
{
    size_t cap = st->d.read_size;
    char *buf = (char *)fmcp_malloc(st->a, cap);
    fmcp_result r;
    if (!buf) return FMCP_ERR_NOMEM;
    for (;;) {
        long n = st->d.read(st->d.user, buf, cap);
        if (n <= 0) { r = n == 0 ? FMCP_OK : FMCP_ERR_IO; break; }
        fmcp__stream_fed(st, fmcp__stream_feed(st, buf, (size_t)n, NULL, NULL));
        fmcp_session_expire(st->s);
    }
    fmcp_free(st->a, buf, cap);
    return r;
}
#endif

FASTMCP_API fmcp_result fmcp_stream_serve(fmcp_server *srv, const fmcp_stream_desc *d)
{
    fmcp_stream *st;
    fmcp_result r;
    if (!d || !d->read) return FMCP_ERR_INVALID_ARG;
    if ((r = fmcp_stream_create(srv, d, &st)) != FMCP_OK) return r;
    r = fmcp__stream_serve_lf(st);
    if (st->line.len) fmcp_server_log(srv, FMCP_LOG_WARNING, "stream: input ended inside a message");
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
