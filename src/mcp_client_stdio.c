/* mcp_client_stdio: implementation. The client's stream transport: newline-
 * delimited JSON over a pipe pair, a socketpair or a spawned server's stdio
 * (fork/exec, Windows: CreateProcess and a pipe thread), the baton that lets
 * one thread at a time read, the reader thread, and stdio connect and close.
 * One translation unit with mcp_client.c, whose types and helpers it uses. */
#include "mcp_client_stdio.h"

/* A client needs a transport: stdio (processes, pipes, poll) or HTTP (sockets). */
#if !defined(FASTMCP_NO_PROCESS) || !defined(FASTMCP_NO_SOCKETS)

/* ---- reading ---------------------------------------------------------------- */

#if !defined(_WIN32) || defined(FMCP__CL_WINPROC)
/* Split newline-delimited input into messages; keeps the unfinished line. */
static fmcp_result fmcp__cl_feed_lines(fmcp_client *c, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = (const char *)memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;
        fmcp_result r = fmcp__cl_put(&c->line, p, k, fmcp__cl_max(c) + 2);
        if (r != FMCP_OK) { c->line.len = 0; return r; }
        if (!nl) break;
        if (c->line.len) fmcp__cl_dispatch(c, c->line.p, c->line.len);
        c->line.len = 0;
        p += k + 1;
        n -= k + 1;
    }
    return FMCP_OK;
}
#endif

/* Wait up to ms for input and dispatch what arrives; only the baton holder
 * calls this. A byte on the wake pipe (a poke) just ends the wait early. */
#ifdef FMCP__CL_WINPROC
/* Windows: no poll() on pipes, so the pipe thread (fmcp__cl_pipe_main) reads
 * and this takes what it queued; a poke (qpoke) ends the wait as the wake
 * pipe does on POSIX. */
static fmcp_result fmcp__cl_pump_stream(fmcp_client *c, int ms)
{
    char buf[16384];
    size_t n = 0;
    int eof, poked;
    fmcp__mutex_lock(&c->qlock);
    if (ms < 0) while (!c->q.len && !c->qeof && !c->qpoke) fmcp__cond_wait(&c->qcv, &c->qlock);
    else if (!c->q.len && !c->qeof && !c->qpoke) fmcp__cond_wait_ms(&c->qcv, &c->qlock, ms, 1);
    poked = c->qpoke;
    c->qpoke = 0;
    if (c->q.len) {
        n = c->q.len < sizeof buf ? c->q.len : sizeof buf;
        memcpy(buf, c->q.p, n);
        memmove(c->q.p, c->q.p + n, c->q.len - n);
        c->q.len -= n;
        fmcp__cond_broadcast(&c->qcv);   /* room again for the pipe thread */
    }
    eof = c->qeof && !c->q.len;
    fmcp__mutex_unlock(&c->qlock);
    if (poked) {   /* as draining the wake pipe does: the next poke is sent again */
        FMCP__CL_LOCK(c);
        c->poked = 0;
        FMCP__CL_UNLOCK(c);
    }
    if (n) {
        fmcp_result r = fmcp__cl_feed_lines(c, buf, n);
        if (r != FMCP_OK || !eof) return r;
    }
    if (eof) { fmcp__cl_mark_closed(c); return FMCP_ERR_CLOSED; }
    return FMCP_OK;
}

/* Queue the child's output for the baton holder; at most 64 KiB ahead of
 * it, so a chatty server is slowed down rather than buffered without end. */
static void *fmcp__cl_pipe_main(void *arg)
{
    fmcp_client *c = (fmcp_client *)arg;
    char buf[16384];
    for (;;) {
        long n = fmcp__pipe_read(c->hout, buf, sizeof buf);
        fmcp__mutex_lock(&c->qlock);
        while (n > 0 && c->q.len >= 65536 && !c->qstop) fmcp__cond_wait(&c->qcv, &c->qlock);
        if (n <= 0 || c->qstop || fmcp__cl_put(&c->q, buf, (size_t)n, 65536 + sizeof buf) != FMCP_OK) {
            c->qeof = 1;
            fmcp__cond_broadcast(&c->qcv);
            fmcp__mutex_unlock(&c->qlock);
            return NULL;
        }
        fmcp__cond_broadcast(&c->qcv);
        fmcp__mutex_unlock(&c->qlock);
    }
}

/* Wake the baton holder (fmcp__cl_poke's pipe write on POSIX). */
static void fmcp__cl_qpoke(fmcp_client *c)
{
    fmcp__mutex_lock(&c->qlock);
    c->qpoke = 1;
    fmcp__cond_broadcast(&c->qcv);
    fmcp__mutex_unlock(&c->qlock);
}
#elif defined(_WIN32)
/* No stream transport on Windows without threads (fmcp_client_connect_stdio/_fd
 * are not compiled), so no client is ever of kind FMCP__CL_STREAM. */
static fmcp_result fmcp__cl_pump_stream(fmcp_client *c, int ms)
{
    (void)ms;
    fmcp__cl_mark_closed(c);
    return FMCP_ERR_CLOSED;
}
#else
static fmcp_result fmcp__cl_pump_stream(fmcp_client *c, int ms)
{
    char buf[16384];
    struct pollfd pf[2];
    long n;
    pf[0].fd = c->rfd; pf[0].events = POLLIN; pf[0].revents = 0;
    pf[1].fd = c->wake[0]; pf[1].events = POLLIN; pf[1].revents = 0;   /* -1 without threads: ignored */
    n = (long)poll(pf, 2, ms);
    if (n < 0 && errno != EINTR) { fmcp__cl_mark_closed(c); return FMCP_ERR_CLOSED; }
    if (n <= 0) return FMCP_OK;
    if (pf[1].revents) {
        FMCP__CL_LOCK(c);
        while (read(c->wake[0], buf, sizeof buf) > 0) { /* non-blocking: empties it */ }
        c->poked = 0;
        FMCP__CL_UNLOCK(c);
        return FMCP_OK;
    }
    n = (long)read(c->rfd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return FMCP_OK;
    if (n <= 0) { fmcp__cl_mark_closed(c); return FMCP_ERR_CLOSED; }
    return fmcp__cl_feed_lines(c, buf, (size_t)n);
}
#endif

/* ---- the baton ---------------------------------------------------------------- */

/* Give the baton back (lock held) and wake one caller waiting for it. */
static void fmcp__cl_baton_drop(fmcp_client *c)
{
    fmcp__cl_pending *p;
    c->reading = 0;
    c->poked = 0;
    c->gen++;
    for (p = c->pending; p; p = p->next)
        if (p->waiting && !p->done) { FMCP__CL_WAKE_P(p); break; }
}

#ifndef FASTMCP_NO_THREADS
/* Make the baton holder leave its poll() now (lock held): one byte through
 * the wake pipe, however many threads ask. */
static void fmcp__cl_poke(fmcp_client *c)
{
    char b = 1;
    if (c->poked) return;
    c->poked = 1;
#ifdef FMCP__CL_WINPROC
    (void)b;
    if (c->kind == FMCP__CL_STREAM && c->qinit) fmcp__cl_qpoke(c);
#elif defined(_WIN32)
    (void)b;   /* no stream transport: nobody holds the baton in a poll() */
#else
    if (write(c->wake[1], &b, 1) < 0) { /* full: the holder wakes anyway */ }
#endif
}

#  ifndef FASTMCP_NO_PROCESS
/* Wait (lock held) until the reader thread may take the baton: nobody holds
 * it, no call is waiting, and no call began or ended for FMCP__CL_IDLE_MS.
 * So during a run of calls the callers read their own answers and this
 * thread only naps; between calls it reads notifications and server
 * requests. 0 = stop. */
static int fmcp__cl_reader_turn(fmcp_client *c)
{
    unsigned seen = c->gen - 1;
    for (;;) {
        if (c->reader_stop) return 0;
        if (!c->reading && !c->pending && c->gen == seen) return 1;
        seen = c->gen;
        fmcp__cl_cond_wait_on(c, &c->rcv, FMCP__CL_IDLE_MS);
    }
}

static void *fmcp__cl_reader_main(void *arg)
{
    fmcp_client *c = (fmcp_client *)arg;
    fmcp_result r = FMCP_OK;
    FMCP__CL_LOCK(c);
    while (r != FMCP_ERR_CLOSED && fmcp__cl_reader_turn(c)) {
        c->reading = FMCP__CL_BY_READER;
        while (r != FMCP_ERR_CLOSED && !c->pending && !c->reader_stop) {   /* a new call pokes */
            FMCP__CL_UNLOCK(c);
            r = fmcp__cl_pump_stream(c, -1);
            FMCP__CL_LOCK(c);
        }
        fmcp__cl_baton_drop(c);
    }
    c->closed = 1;
    fmcp__cl_wake_all(c);
    FMCP__CL_UNLOCK(c);
    return NULL;
}
#  endif
#endif

/* ---- writing ---------------------------------------------------------------- */

#ifndef _WIN32
/* writev() that cannot raise SIGPIPE in the process. */
static long fmcp__cl_write_fd(fmcp_client *c, struct iovec *iov, int n)
{
    sigset_t set, old;
    long w;
#ifndef FASTMCP_NO_SOCKETS
#  ifdef MSG_NOSIGNAL
    if (c->wsock) {
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = iov;
        mh.msg_iovlen = (size_t)n;
        return (long)sendmsg(c->wfd, &mh, MSG_NOSIGNAL);
    }
#  endif
#endif
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
#ifndef FASTMCP_NO_THREADS
    pthread_sigmask(SIG_BLOCK, &set, &old);
#else
    sigprocmask(SIG_BLOCK, &set, &old);
#endif
    w = (long)writev(c->wfd, iov, n);
    if (w < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE)) {
        struct timespec zero;
        zero.tv_sec = 0; zero.tv_nsec = 0;
        (void)sigtimedwait(&set, NULL, &zero);   /* consume our SIGPIPE */
        errno = EPIPE;
    }
#ifndef FASTMCP_NO_THREADS
    pthread_sigmask(SIG_SETMASK, &old, NULL);
#else
    sigprocmask(SIG_SETMASK, &old, NULL);
#endif
    return w;
}

/* The message and its newline in one system call where possible. */
static fmcp_result fmcp__cl_stream_write(fmcp_client *c, const char *json, size_t len)
{
    struct iovec iov[2];
    int i = 0;
    iov[0].iov_base = (void *)(size_t)json;   /* not written to */
    iov[0].iov_len = len;
    iov[1].iov_base = (void *)(size_t)"\n";
    iov[1].iov_len = 1;
    while (i < 2) {
        long w = fmcp__cl_write_fd(c, iov + i, 2 - i);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return FMCP_ERR_IO;
        while (i < 2 && (size_t)w >= iov[i].iov_len) { w -= (long)iov[i].iov_len; i++; }
        if (i < 2) { iov[i].iov_base = (char *)iov[i].iov_base + w; iov[i].iov_len -= (size_t)w; }
    }
    return FMCP_OK;
}

#elif defined(FMCP__CL_WINPROC)
/* The message, then its newline (under wlock: nothing comes between). */
static fmcp_result fmcp__cl_stream_write(fmcp_client *c, const char *json, size_t len)
{
    const char *p = json;
    size_t n = len;
    int part;
    for (part = 0; part < 2; part++) {
        while (n > 0) {
            long w = fmcp__pipe_write(c->hin, p, n);
            if (w <= 0) return FMCP_ERR_IO;
            p += w;
            n -= (size_t)w;
        }
        p = "\n";
        n = 1;
    }
    return FMCP_OK;
}
#endif

static fmcp_result fmcp__cl_stream_send(fmcp_client *c, const char *json, size_t len)
{
    fmcp_result r = FMCP_ERR_CLOSED;
#if defined(_WIN32) && !defined(FMCP__CL_WINPROC)
    (void)json; (void)len;   /* c->wfd is never open: no stream transport */
#endif
    fmcp__mutex_lock(&c->wlock);
#ifdef FMCP__CL_WINPROC
    if (c->hin) r = fmcp__cl_stream_write(c, json, len);
#elif !defined(_WIN32)
    if (c->wfd >= 0) r = fmcp__cl_stream_write(c, json, len);
#endif
    fmcp__mutex_unlock(&c->wlock);
    if (r == FMCP_ERR_IO) { fmcp__cl_mark_closed(c); r = FMCP_ERR_CLOSED; }   /* the peer is gone */
    return r;
}

/* ---- waiting for an answer ---------------------------------------------------- */

/* Wait for p's answer. On a stream whoever holds the baton reads it and
 * dispatches every message: answers for other calls reach their callers
 * through p->done and the condition variable. A waiting caller takes the
 * baton when it is free (poking the reader thread off it), so with one call
 * at a time the caller reads its own answer and no thread is woken per call.
 * Legacy HTTP answers come from the GET-stream thread. */
static fmcp_result fmcp__cl_stream_wait(fmcp_client *c, fmcp__cl_pending *p)
{
    fmcp_result r;
    int mine = 0;
    FMCP__CL_LOCK(c);
    for (;;) {
        int ms;
        if (p->done) { r = FMCP_OK; break; }
        if (p->cancel) { r = FMCP_ERR_CANCELLED; break; }
        if (c->closed) { r = FMCP_ERR_CLOSED; break; }
        ms = fmcp__cl_slice(p->deadline);
        if (ms == 0) { r = FMCP_ERR_TIMEOUT; break; }
        if (!mine && !c->reading && c->kind == FMCP__CL_STREAM) { c->reading = FMCP__CL_BY_CALLER; mine = 1; }
        if (mine) {
            FMCP__CL_UNLOCK(c);
            (void)fmcp__cl_pump_stream(c, ms);
            FMCP__CL_LOCK(c);
            continue;
        }
#ifndef FASTMCP_NO_THREADS
        if (c->reading == FMCP__CL_BY_READER) fmcp__cl_poke(c);
        p->waiting = 1;
        fmcp__cl_cond_wait_on(c, &p->cv, ms);
        p->waiting = 0;
#else
        r = FMCP_ERR_UNSUPPORTED;   /* no reader: cannot happen */
        break;
#endif
    }
    if (mine) fmcp__cl_baton_drop(c);
    FMCP__CL_UNLOCK(c);
    return r;
}

/* ---- close ------------------------------------------------------------------ */

#ifdef FMCP__CL_WINPROC
/* Reap the child: wait grace (its stdin is closed), then TerminateProcess.
 * There is no SIGTERM for a console program that is not in a group of its
 * own, so the second, polite step of POSIX has nothing to send. */
static void fmcp__cl_reap(fmcp_client *c)
{
    int grace = c->d.grace_ms;
    if (!fmcp__proc_wait(c->hproc, grace)) {
        fmcp__proc_kill(c->hproc);
        (void)fmcp__proc_wait(c->hproc, -1);
    }
    fmcp__handle_close(c->hproc);
    c->hproc = NULL;
}
#elif !defined(FASTMCP_NO_PROCESS)
/* Reap the child: wait grace, SIGTERM, wait grace, SIGKILL. */
static void fmcp__cl_reap(fmcp_client *c)
{
    int step, st, grace = c->d.grace_ms;
    for (step = 0; step < 3; step++) {
        int64_t end = fmcp_monotonic_ms() + grace;
        if (step == 1) kill(c->pid, SIGTERM);
        if (step == 2) { kill(c->pid, SIGKILL); (void)waitpid(c->pid, &st, 0); return; }
        for (;;) {
            pid_t w = waitpid(c->pid, &st, WNOHANG);
            if (w == c->pid || (w < 0 && errno != EINTR)) return;
            if (fmcp_monotonic_ms() >= end) break;
            (void)poll(NULL, 0, 10);   /* no portable "wait for child with timeout" */
        }
    }
}
#endif

/* fmcp_client_destroy's stream part, for every client (the fields of a
 * transport it does not use are -1 or NULL): the server's stdin closed, the
 * child reaped, the reader thread stopped, the descriptors closed. */
static void fmcp__cl_stream_end(fmcp_client *c)
{
    fmcp__mutex_lock(&c->wlock);
    if (c->wfd >= 0) close(c->wfd);   /* the server sees EOF on its stdin */
    c->wfd = -1;
#ifdef FMCP__CL_WINPROC
    fmcp__handle_close(c->hin);
    c->hin = NULL;
#endif
    fmcp__mutex_unlock(&c->wlock);
#ifdef FMCP__CL_WINPROC
    if (c->hproc) fmcp__cl_reap(c);
#elif !defined(FASTMCP_NO_PROCESS)
    if (c->pid > 0) fmcp__cl_reap(c);
#endif
#ifndef FASTMCP_NO_THREADS
    if (c->has_thread && c->kind == FMCP__CL_STREAM) {   /* the reader thread (HTTP's ended in fmcp__cl_http_end) */
        char b = 1;
        FMCP__CL_LOCK(c);
        c->reader_stop = 1;
        fmcp__cond_signal(&c->rcv);
        FMCP__CL_UNLOCK(c);
#  ifdef FMCP__CL_WINPROC
        (void)b;
        fmcp__cl_qpoke(c);
#  else
        if (write(c->wake[1], &b, 1) < 0) { /* full: a poke is pending anyway */ }
#  endif
        fmcp__thread_join(&c->thread);
        c->has_thread = 0;
    }
#endif
#ifdef FMCP__CL_WINPROC
    if (c->has_pipe) {   /* after the reader thread: it may be waiting for the queue */
        fmcp__mutex_lock(&c->qlock);
        c->qstop = 1;
        fmcp__cond_broadcast(&c->qcv);
        fmcp__mutex_unlock(&c->qlock);
        fmcp__thread_join_io(&c->pipe);
    }
    fmcp__handle_close(c->hout);
    if (c->qinit) {
        fmcp__buf_free(&c->q);
        fmcp__mutex_destroy(&c->qlock);
        fmcp__cond_destroy(&c->qcv);
    }
#endif
    if (c->rfd >= 0) close(c->rfd);
    if (c->wake[0] >= 0) close(c->wake[0]);
    if (c->wake[1] >= 0) close(c->wake[1]);
}

/* ---- connect -------------------------------------------------------------- */

#ifndef FASTMCP_NO_PROCESS
static fmcp_result fmcp__cl_start_stream(fmcp_client *c)
{
    int status = 0;
    fmcp_result r;
#ifdef FMCP__CL_WINPROC
    fmcp__mutex_init(&c->qlock);
    fmcp__cond_init(&c->qcv);
    c->qinit = 1;
    if (fmcp__thread_start(&c->pipe, fmcp__cl_pipe_main, c) != 0) return FMCP_ERR_NOMEM;
    c->has_pipe = 1;
    if (fmcp__thread_start(&c->thread, fmcp__cl_reader_main, c) != 0) return FMCP_ERR_NOMEM;
    c->has_thread = 1;
#else
    struct stat st;
    c->wsock = fstat(c->wfd, &st) == 0 && S_ISSOCK(st.st_mode);
#endif
#if !defined(FASTMCP_NO_THREADS) && !defined(_WIN32)
    if (pipe(c->wake) != 0) return FMCP_ERR_IO;
    {   /* not inherited by children; drained in a loop, written under the lock */
        int i;
        for (i = 0; i < 2; i++) {
            (void)fcntl(c->wake[i], F_SETFD, FD_CLOEXEC);
            (void)fcntl(c->wake[i], F_SETFL, fcntl(c->wake[i], F_GETFL) | O_NONBLOCK);
        }
    }
    if (fmcp__thread_start(&c->thread, fmcp__cl_reader_main, c) != 0) return FMCP_ERR_NOMEM;
    c->has_thread = 1;
#endif
    r = c->d.protocol_era == FMCP_ERA_LEGACY ? FMCP_ERR_NOT_FOUND : fmcp__cl_discover(c, &status);
    if (r == FMCP_ERR_NOT_FOUND) return fmcp__cl_initialize(c, &status);
    if (r == FMCP_OK && c->d.on_notification) {   /* list-changed notifications: one listen, never answered */
        char *msg = NULL;
        size_t len = 0;
        r = fmcp__cl_listen_msg(c, &msg, &len);
        if (r == FMCP_OK) r = fmcp__cl_stream_send(c, msg, len);
        fmcp_free_text(c->a, msg, len);
    }
    return r;
}

#ifdef FMCP__CL_WINPROC
/* Windows: CreateProcess (base: fmcp__proc_spawn quotes argv for the MSVC
 * runtime and merges env into our environment). */
FASTMCP_API fmcp_result fmcp_client_connect_stdio(const fmcp_client_desc *d, const char *const *argv,
                                                  const char *const *env, fmcp_client **out)
{
    fmcp_client *c;
    fmcp_result r;
    if (!out || !argv || !argv[0]) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    r = fmcp__cl_new(d, FMCP__CL_STREAM, &c);
    if (r != FMCP_OK) return r;
    r = fmcp__proc_spawn(c->a, argv, env, &c->hproc, &c->hin, &c->hout);
    if (r == FMCP_OK) r = fmcp__cl_start_stream(c);
    if (r != FMCP_OK) { fmcp_client_destroy(c); return r; }
    *out = c;
    return FMCP_OK;
}
#else
FASTMCP_API fmcp_result fmcp_client_connect_fd(const fmcp_client_desc *d, int read_fd, int write_fd,
                                               fmcp_client **out)
{
    fmcp_client *c;
    fmcp_result r;
    if (!out || read_fd < 0 || write_fd < 0) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    r = fmcp__cl_new(d, FMCP__CL_STREAM, &c);
    if (r != FMCP_OK) { close(read_fd); close(write_fd); return r; }
    c->rfd = read_fd;
    c->wfd = write_fd;
    r = fmcp__cl_start_stream(c);
    if (r != FMCP_OK) { fmcp_client_destroy(c); return r; }
    *out = c;
    return FMCP_OK;
}

/* environ with env's "NAME=value" entries added or replacing. */
static char **fmcp__cl_envp(fmcp_client *c, const char *const *env, size_t *count)
{
    size_t n = 0, m = 0, i, j, k = 0;
    char **e;
    while (environ && environ[n]) n++;
    while (env && env[m]) m++;
    *count = n + m + 1;
    e = (char **)fmcp_malloc(c->a, *count * sizeof *e);
    if (!e) return NULL;
    for (i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        int replaced = 0;
        for (j = 0; j < m && !replaced; j++)
            replaced = strncmp(env[j], environ[i], nl) == 0 && env[j][nl] == '=';
        if (!replaced) e[k++] = environ[i];
    }
    for (j = 0; j < m; j++) e[k++] = (char *)env[j];
    e[k] = NULL;
    return e;
}

static void fmcp__cl_cloexec(int fd)
{
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* fork + exec; errors of exec come back through a close-on-exec pipe. */
static fmcp_result fmcp__cl_spawn(fmcp_client *c, const char *const *argv, char **envp)
{
    int in[2], outp[2], ep[2], err = 0;
    long n;
    if (pipe(in) != 0) return FMCP_ERR_IO;
    if (pipe(outp) != 0) { close(in[0]); close(in[1]); return FMCP_ERR_IO; }
    if (pipe(ep) != 0) { close(in[0]); close(in[1]); close(outp[0]); close(outp[1]); return FMCP_ERR_IO; }
    fmcp__cl_cloexec(in[0]); fmcp__cl_cloexec(in[1]); fmcp__cl_cloexec(outp[0]);
    fmcp__cl_cloexec(outp[1]); fmcp__cl_cloexec(ep[0]); fmcp__cl_cloexec(ep[1]);
    c->pid = fork();
    if (c->pid == 0) {
        int e;
        if (dup2(in[0], 0) >= 0 && dup2(outp[1], 1) >= 0) {
            environ = envp;
            execvp(argv[0], (char *const *)argv);
        }
        e = errno;
        if (write(ep[1], &e, sizeof e) < 0) { /* nothing more to do */ }
        _exit(127);
    }
    close(in[0]); close(outp[1]); close(ep[1]);
    if (c->pid < 0) { close(in[1]); close(outp[0]); close(ep[0]); c->pid = 0; return FMCP_ERR_IO; }
    do n = (long)read(ep[0], &err, sizeof err); while (n < 0 && errno == EINTR);
    close(ep[0]);
    c->wfd = in[1];
    c->rfd = outp[0];
    if (n > 0) return err == ENOENT || err == EACCES ? FMCP_ERR_NOT_FOUND : FMCP_ERR_IO;
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_client_connect_stdio(const fmcp_client_desc *d, const char *const *argv,
                                                  const char *const *env, fmcp_client **out)
{
    fmcp_client *c;
    fmcp_result r;
    char **envp;
    size_t nenv = 0;
    if (!out || !argv || !argv[0]) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    r = fmcp__cl_new(d, FMCP__CL_STREAM, &c);
    if (r != FMCP_OK) return r;
    envp = fmcp__cl_envp(c, env, &nenv);
    if (!envp) { fmcp_client_destroy(c); return FMCP_ERR_NOMEM; }
    r = fmcp__cl_spawn(c, argv, envp);
    fmcp_free(c->a, envp, nenv * sizeof *envp);
    if (r == FMCP_OK) r = fmcp__cl_start_stream(c);
    if (r != FMCP_OK) { fmcp_client_destroy(c); return r; }
    *out = c;
    return FMCP_OK;
}
#endif /* FMCP__CL_WINPROC */
#endif /* FASTMCP_NO_PROCESS */

#ifdef FMCP__WIN32_NO_PROCESS
/* Windows without threads: no stdio transport (see the top of fastmcp.h). */
FASTMCP_API fmcp_result fmcp_client_connect_stdio(const fmcp_client_desc *d, const char *const *argv,
                                                  const char *const *env, fmcp_client **out)
{
    (void)d; (void)argv; (void)env;
    if (out) *out = NULL;
    return FMCP_ERR_UNSUPPORTED;
}
#endif

#if defined(FMCP__CL_WINPROC) || defined(FMCP__WIN32_NO_PROCESS)
/* A descriptor pair is a POSIX notion here; Windows callers spawn. */
FASTMCP_API fmcp_result fmcp_client_connect_fd(const fmcp_client_desc *d, int read_fd, int write_fd,
                                               fmcp_client **out)
{
    (void)d; (void)read_fd; (void)write_fd;
    if (out) *out = NULL;
    return FMCP_ERR_UNSUPPORTED;
}
#endif

#endif /* a transport */
