/* http_loop: implementation (the event loop: back ends, timers, wake-up) */
#include "base.h"
#include "http.h"

#ifndef FASTMCP_NO_SOCKETS

#include <string.h>
#include <stdlib.h>
#include <errno.h>
/* Windows: Winsock 2 (included by base) and WSAPoll through the poll back end. */
#ifndef _WIN32
#include <unistd.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#endif
#if defined(__linux__) && !defined(FASTMCP_HTTP_USE_POLL)
#  define FMCP__EPOLL 1
#  include <sys/epoll.h>
#  include <sys/eventfd.h>
#endif
#ifndef MSG_NOSIGNAL
#  define MSG_NOSIGNAL 0
#endif

#define FMCP__POOL_BUF 16384u
#define FMCP__POOL_MAX 64
#define FMCP__IN 1u
#define FMCP__OUT 2u
#define FMCP__EV_ERR 4u

/* ---- event loop ------------------------------------------------------------ */

enum { FMCP__IO_WAKE, FMCP__IO_LISTEN, FMCP__IO_CONN, FMCP__IO_FETCH };

/* Every pollable object starts with this; freed objects wait on the zombie
 * list until the end of the step, so events later in a batch stay safe. */
typedef struct fmcp__io {
    int fd;
    unsigned want;
    int kind;
    int dead;
    size_t pidx;            /* poll backend slot */
    struct fmcp__io *znext;
    size_t zsize;
} fmcp__io;

typedef struct fmcp__timer {
    int64_t when;
    uint64_t id;
    fmcp_http_timer_fn fn;
    void *user;
} fmcp__timer;

/* A response piece formatted off the loop thread, waiting to be applied. */
typedef struct fmcp__op {
    struct fmcp__op *next;
    fmcp_http_req *req;
    int kind;
    int embedded;           /* the request's own abort op: not freed on its own */
    fmcp__buf data;
} fmcp__op;

enum { FMCP__OP_START, FMCP__OP_WRITE, FMCP__OP_FINISH, FMCP__OP_ABORT };

typedef struct fmcp__conn fmcp__conn;

struct fmcp_http_loop {
    fmcp_allocator alloc;
    const fmcp_allocator *a;
#ifdef FMCP__EPOLL
    int epfd;
#else
    fmcp__io **ios;
    size_t nios, iocap;
    struct pollfd *pfds;
    fmcp__io **snap;
#endif
    fmcp__io wake;
    int wake_wr;
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex mu;
    fmcp__thread_id owner;
#endif
    int has_owner;
    fmcp__op *qhead, *qtail;
    fmcp__op *phead, *ptail;    /* taken from the queue, being applied (loop thread) */
    int stop, woken;
    fmcp__timer *timers;
    size_t ntimers, tcap;
    uint64_t next_timer_id;
    fmcp_http_server *servers;
    fmcp_http_fetch_op *fetches;
    fmcp_http_req *reqs;
    struct fmcp__dns *dns;      /* name lookups running on helper threads */
    fmcp__io *zombies;
    char *pool[FMCP__POOL_MAX];
    size_t npool;
    int64_t date_sec;
    char date[30];
};

static void fmcp__lock(fmcp_http_loop *l)
{
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_lock(&l->mu);
#else
    (void)l;
#endif
}

static void fmcp__unlock(fmcp_http_loop *l)
{
#ifndef FASTMCP_NO_THREADS
    fmcp__mutex_unlock(&l->mu);
#else
    (void)l;
#endif
}

static void fmcp__set_nonblock(int fd)
{
    fmcp__sock_nonblock(fd);
}

static char *fmcp__pool_get(fmcp_http_loop *l)
{
    if (l->npool) return l->pool[--l->npool];
    return (char *)fmcp_malloc(l->a, FMCP__POOL_BUF);
}

/* Return a buffer: pooled when it has the standard size, else freed. */
static void fmcp__pool_put(fmcp_http_loop *l, fmcp__buf *b)
{
    if (!b->p) return;
    if (b->cap == FMCP__POOL_BUF && l->npool < FMCP__POOL_MAX) l->pool[l->npool++] = b->p;
    else fmcp__buf_release(b);
    b->p = NULL; b->len = b->cap = 0; b->err = FMCP_OK;
}

/* A pooled block for an empty buffer (one of l's: b->a is l->a). */
static fmcp_result fmcp__pool_take(fmcp_http_loop *l, fmcp__buf *b)
{
    if (b->p) return FMCP_OK;
    b->p = fmcp__pool_get(l);
    if (!b->p) return FMCP_ERR_NOMEM;
    b->cap = FMCP__POOL_BUF; b->len = 0; b->err = FMCP_OK;
    return FMCP_OK;
}

static const char *fmcp__loop_date(fmcp_http_loop *l)
{
    int64_t now = fmcp_time_now();
    if (now != l->date_sec) { l->date_sec = now; fmcp__http_date(l->date, now); }
    return l->date;
}

/* ---- backend: register / modify / remove --------------------------------- */

#ifdef FMCP__EPOLL
static fmcp_result fmcp__io_add(fmcp_http_loop *l, fmcp__io *io, unsigned want)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = ((want & FMCP__IN) ? (unsigned)EPOLLIN : 0u) | ((want & FMCP__OUT) ? (unsigned)EPOLLOUT : 0u);
    ev.data.ptr = io;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) != 0) return FMCP_ERR_IO;
    io->want = want;
    return FMCP_OK;
}

static void fmcp__io_mod(fmcp_http_loop *l, fmcp__io *io, unsigned want)
{
    struct epoll_event ev;
    if (want == io->want) return;
    memset(&ev, 0, sizeof ev);
    ev.events = ((want & FMCP__IN) ? (unsigned)EPOLLIN : 0u) | ((want & FMCP__OUT) ? (unsigned)EPOLLOUT : 0u);
    ev.data.ptr = io;
    if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev) == 0) io->want = want;
}

static void fmcp__io_del(fmcp_http_loop *l, fmcp__io *io)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, &ev);
}
#else
/* One block holds the io list, the poll snapshot and the pollfds, so
 * growing is all-or-nothing and stepping never allocates. */
static size_t fmcp__poll_block(size_t cap)
{
    return cap * (2 * sizeof(fmcp__io *) + sizeof(struct pollfd));
}

static fmcp_result fmcp__io_add(fmcp_http_loop *l, fmcp__io *io, unsigned want)
{
    if (l->nios == l->iocap) {
        size_t nc = l->iocap ? l->iocap * 2 : 16;
        char *blk = (char *)fmcp_malloc(l->a, fmcp__poll_block(nc));
        if (!blk) return FMCP_ERR_NOMEM;
        if (l->nios) memcpy(blk, l->ios, l->nios * sizeof(fmcp__io *));
        fmcp_free(l->a, l->ios, fmcp__poll_block(l->iocap));
        l->ios = (fmcp__io **)(void *)blk;
        l->snap = l->ios + nc;
        l->pfds = (struct pollfd *)(void *)(l->snap + nc);
        l->iocap = nc;
    }
    io->pidx = l->nios;
    l->ios[l->nios++] = io;
    io->want = want;
    return FMCP_OK;
}

static void fmcp__io_mod(fmcp_http_loop *l, fmcp__io *io, unsigned want)
{
    (void)l;
    io->want = want;
}

static void fmcp__io_del(fmcp_http_loop *l, fmcp__io *io)
{
    size_t i = io->pidx;
    if (i >= l->nios || l->ios[i] != io) return;
    l->ios[i] = l->ios[--l->nios];
    l->ios[i]->pidx = i;
}
#endif

/* Unregister, close the fd and queue the object's memory for release. */
static void fmcp__io_retire(fmcp_http_loop *l, fmcp__io *io, size_t size)
{
    if (io->fd >= 0) { fmcp__io_del(l, io); fmcp__sock_close(io->fd); io->fd = -1; }
    io->dead = 1;
    io->zsize = size;
    io->znext = l->zombies;
    l->zombies = io;
}

static void fmcp__free_zombies(fmcp_http_loop *l)
{
    while (l->zombies) {
        fmcp__io *z = l->zombies;
        l->zombies = z->znext;
        fmcp_free(l->a, z, z->zsize);
    }
}

/* ---- timers (binary min-heap by deadline) ------------------------------- */

static void fmcp__timer_swap(fmcp__timer *t, size_t i, size_t j)
{
    fmcp__timer x = t[i]; t[i] = t[j]; t[j] = x;
}

static void fmcp__timer_up(fmcp__timer *t, size_t i)
{
    while (i > 0 && t[(i - 1) / 2].when > t[i].when) { fmcp__timer_swap(t, i, (i - 1) / 2); i = (i - 1) / 2; }
}

static void fmcp__timer_down(fmcp__timer *t, size_t n, size_t i)
{
    for (;;) {
        size_t m = i, c = 2 * i + 1;
        if (c < n && t[c].when < t[m].when) m = c;
        if (c + 1 < n && t[c + 1].when < t[m].when) m = c + 1;
        if (m == i) return;
        fmcp__timer_swap(t, i, m); i = m;
    }
}

static void fmcp__timer_remove_at(fmcp_http_loop *l, size_t i)
{
    l->timers[i] = l->timers[--l->ntimers];
    if (i < l->ntimers) { fmcp__timer_down(l->timers, l->ntimers, i); fmcp__timer_up(l->timers, i); }
}

FASTMCP_API fmcp_result fmcp_http_timer_add(fmcp_http_loop *loop, int64_t delay_ms,
                                            fmcp_http_timer_fn fn, void *user, uint64_t *id)
{
    fmcp__timer *t;
    if (!loop || !fn) return FMCP_ERR_INVALID_ARG;
    if (loop->ntimers == loop->tcap) {
        size_t nc = loop->tcap ? loop->tcap * 2 : 8;
        t = (fmcp__timer *)fmcp_realloc(loop->a, loop->timers, loop->tcap * sizeof *t, nc * sizeof *t);
        if (!t) return FMCP_ERR_NOMEM;
        loop->timers = t; loop->tcap = nc;
    }
    t = &loop->timers[loop->ntimers];
    t->when = fmcp_monotonic_ms() + (delay_ms > 0 ? delay_ms : 0);
    t->id = ++loop->next_timer_id;
    t->fn = fn; t->user = user;
    fmcp__timer_up(loop->timers, loop->ntimers++);
    if (id) *id = loop->next_timer_id;
    return FMCP_OK;
}

FASTMCP_API void fmcp_http_timer_cancel(fmcp_http_loop *loop, uint64_t id)
{
    size_t i;
    if (!loop || !id) return;
    for (i = 0; i < loop->ntimers; i++)
        if (loop->timers[i].id == id) { fmcp__timer_remove_at(loop, i); return; }
}

static void fmcp__run_timers(fmcp_http_loop *l, int64_t now)
{
    int budget = 10000;  /* a timer re-adding itself with 0 delay cannot spin forever */
    while (l->ntimers && l->timers[0].when <= now && budget-- > 0) {
        fmcp__timer t = l->timers[0];
        fmcp__timer_remove_at(l, 0);
        t.fn(t.user);
    }
}

/* ---- wake-up --------------------------------------------------------------- */

static void fmcp__wake(fmcp_http_loop *l)
{
    /* caller holds the lock; one pending wake-up is enough */
    if (l->woken) return;
    l->woken = 1;
#ifdef FMCP__EPOLL
    {
        uint64_t one = 1;
        ssize_t n = write(l->wake_wr, &one, sizeof one);
        (void)n;
    }
#else
    {
        char c = 1;
        long n = fmcp__sock_wake_send(l->wake_wr, &c, 1);
        (void)n;
    }
#endif
}

static void fmcp__drain_wake(fmcp_http_loop *l)
{
    char buf[64];
    while (fmcp__sock_wake_recv(l->wake.fd, buf, sizeof buf) > 0) {}
    fmcp__lock(l);
    l->woken = 0;
    fmcp__unlock(l);
}

FASTMCP_API void fmcp_http_stop(fmcp_http_loop *loop)
{
    if (!loop) return;
    fmcp__lock(loop);
    loop->stop = 1;
    fmcp__wake(loop);
    fmcp__unlock(loop);
}

FASTMCP_API int fmcp_http_loop_fd(const fmcp_http_loop *loop)
{
#ifdef FMCP__EPOLL
    return loop ? loop->epfd : -1;
#else
    (void)loop;
    return -1;
#endif
}

static fmcp_result fmcp__loop_init_fds(fmcp_http_loop *l)
{
#ifdef FMCP__EPOLL
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) return FMCP_ERR_IO;
    l->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake.fd < 0) { close(l->epfd); return FMCP_ERR_IO; }
    l->wake_wr = l->wake.fd;
#elif defined(_WIN32)
    /* WSAPoll waits on sockets only: a UDP socket connected to itself is the pipe */
    struct sockaddr_in sa;
    int fd = fmcp__sock_open(AF_INET, SOCK_DGRAM, 0);
    fmcp__socklen sl = (fmcp__socklen)sizeof sa;
    if (fd < 0) return FMCP_ERR_IO;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(FMCP__SOCK(fd), (struct sockaddr *)(void *)&sa, sizeof sa) != 0 ||
        getsockname(FMCP__SOCK(fd), (struct sockaddr *)(void *)&sa, &sl) != 0 ||
        connect(FMCP__SOCK(fd), (struct sockaddr *)(void *)&sa, sizeof sa) != 0) {
        fmcp__sock_close(fd);
        return FMCP_ERR_IO;
    }
    fmcp__set_nonblock(fd);
    l->wake.fd = fd; l->wake_wr = fd;
#else
    int p[2];
    if (pipe(p) != 0) return FMCP_ERR_IO;
    fmcp__set_nonblock(p[0]); fmcp__set_nonblock(p[1]);
    l->wake.fd = p[0]; l->wake_wr = p[1];
#endif
    l->wake.kind = FMCP__IO_WAKE;
    if (fmcp__io_add(l, &l->wake, FMCP__IN) != FMCP_OK) {
        fmcp__sock_wake_close(l->wake.fd);
        if (l->wake_wr != l->wake.fd) fmcp__sock_wake_close(l->wake_wr);
#ifdef FMCP__EPOLL
        close(l->epfd);
#endif
        return FMCP_ERR_IO;
    }
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_http_loop_create(const fmcp_allocator *a, fmcp_http_loop **out)
{
    fmcp_http_loop *l;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    l = (fmcp_http_loop *)fmcp_malloc(a, sizeof *l);
    if (!l) return FMCP_ERR_NOMEM;
    memset(l, 0, sizeof *l);
    if (a) l->alloc = *a;
    l->a = &l->alloc;
    l->date_sec = -1;
#ifndef FASTMCP_NO_THREADS
    if (fmcp__mutex_init(&l->mu) != 0) { fmcp_free(a, l, sizeof *l); return FMCP_ERR_IO; }
#endif
    r = fmcp__loop_init_fds(l);
    if (r != FMCP_OK) {
#ifndef FASTMCP_NO_THREADS
        fmcp__mutex_destroy(&l->mu);
#endif
        fmcp_free(a, l, sizeof *l);
        return r;
    }
    *out = l;
    return FMCP_OK;
}

#endif /* FASTMCP_NO_SOCKETS */
