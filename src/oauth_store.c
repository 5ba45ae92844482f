/* oauth_store: implementation */
#include "base.h"
#include "json.h"
#include "sha256.h"
#include "oauth_store.h"

#include <string.h>
#ifndef FASTMCP_NO_FILESYSTEM
#  include <errno.h>
#  include <stdio.h>
#  include <stdlib.h>
#  ifdef _WIN32
#    include <aclapi.h>   /* GetSecurityInfo, SetSecurityInfo (advapi32, linked by default) */
#  else
#    include <fcntl.h>
#    include <dirent.h>
#    include <unistd.h>
#    include <sys/stat.h>
#    include <sys/types.h>
#  endif
#endif

/* ---- shared checks ------------------------------------------------------- */

static int fmcp__ostore_kind_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Kinds become part of file names, so only a tame alphabet is allowed. */
static int fmcp__ostore_kind_ok(const char *kind)
{
    size_t i;
    if (!kind || !kind[0]) return 0;
    for (i = 0; kind[i]; i++)
        if (i >= FMCP_OAUTH_KIND_MAX || !fmcp__ostore_kind_char(kind[i])) return 0;
    return 1;
}

/* FMCP_OK when text is exactly one JSON object; FMCP_ERR_PARSE otherwise. */
static fmcp_result fmcp__ostore_check_object(const fmcp_allocator *a, const char *text, size_t len)
{
    fmcp_json_parse_options opt;
    fmcp_json_doc *doc = NULL;
    fmcp_result r;
    int is_obj;
    memset(&opt, 0, sizeof opt);
    opt.alloc = a;
    r = fmcp_json_parse(text, len, &opt, &doc, NULL);
    if (r == FMCP_ERR_NOMEM) return r;
    if (r != FMCP_OK) return FMCP_ERR_PARSE;
    is_obj = fmcp_json_is(fmcp_json_root(doc), FMCP_JSON_OBJECT);
    fmcp_json_doc_destroy(doc);
    return is_obj ? FMCP_OK : FMCP_ERR_PARSE;
}

static void fmcp__ostore_free_secret(const fmcp_allocator *a, char *p, size_t size)
{
    if (!p) return;
    fmcp_wipe(p, size);
    fmcp_free(a, p, size);
}

FASTMCP_API fmcp_result fmcp_oauth_store_clear(const fmcp_oauth_store *store, const char *server_url)
{
    if (!store || !store->remove || !server_url) return FMCP_ERR_INVALID_ARG;
    return store->remove(store->user, server_url, NULL);
}

FASTMCP_API fmcp_result fmcp_oauth_store_clear_all(const fmcp_oauth_store *store)
{
    if (!store || !store->clear_all) return FMCP_ERR_INVALID_ARG;
    return store->clear_all(store->user);
}

/* ---- memory store -------------------------------------------------------- */

typedef struct fmcp__ostore_entry {
    struct fmcp__ostore_entry *next;
    char *url;                 /* url_len + 1 bytes */
    size_t url_len;
    char kind[FMCP_OAUTH_KIND_MAX + 1];
    char *data;                /* len + 1 bytes, wiped on release */
    size_t len;
} fmcp__ostore_entry;

typedef struct fmcp__ostore_mem {
    fmcp_oauth_store vt;       /* handed out; vt.user points back here */
    const fmcp_allocator *alloc;
    fmcp__ostore_entry *head;
    fmcp__mutex mu;
} fmcp__ostore_mem;


static void fmcp__ostore_entry_free(const fmcp_allocator *a, fmcp__ostore_entry *e)
{
    fmcp__ostore_free_secret(a, e->data, e->len + 1);
    fmcp_free(a, e->url, e->url_len + 1);
    fmcp_free(a, e, sizeof *e);
}

/* The link that points at the entry for (url, kind), or at the list's end. */
static fmcp__ostore_entry **fmcp__ostore_mem_find(fmcp__ostore_mem *m, const char *url, const char *kind)
{
    fmcp__ostore_entry **pp = &m->head;
    size_t n = strlen(url);
    while (*pp) {
        fmcp__ostore_entry *e = *pp;
        if (e->url_len == n && memcmp(e->url, url, n) == 0 && (!kind || strcmp(e->kind, kind) == 0))
            return pp;
        pp = &e->next;
    }
    return pp;
}

static fmcp_result fmcp__ostore_mem_load(void *user, const fmcp_allocator *a, const char *server_url,
                                         const char *kind, char **data, size_t *len)
{
    fmcp__ostore_mem *m = (fmcp__ostore_mem *)user;
    fmcp__ostore_entry *e;
    fmcp_result r = FMCP_ERR_NOT_FOUND;
    if (!data || !len) return FMCP_ERR_INVALID_ARG;
    *data = NULL; *len = 0;
    if (!m || !server_url || !fmcp__ostore_kind_ok(kind)) return FMCP_ERR_INVALID_ARG;
    fmcp__mutex_lock(&m->mu);
    e = *fmcp__ostore_mem_find(m, server_url, kind);
    if (e) {
        *data = fmcp__strndup(a, e->data, e->len);
        if (*data) { *len = e->len; r = FMCP_OK; }
        else r = FMCP_ERR_NOMEM;
    }
    fmcp__mutex_unlock(&m->mu);
    return r;
}

static fmcp_result fmcp__ostore_mem_save(void *user, const char *server_url, const char *kind,
                                         const char *data, size_t len)
{
    fmcp__ostore_mem *m = (fmcp__ostore_mem *)user;
    fmcp__ostore_entry *e, *fresh = NULL;
    char *copy;
    fmcp_result r;
    if (!m || !server_url || !data || !fmcp__ostore_kind_ok(kind)) return FMCP_ERR_INVALID_ARG;
    if ((r = fmcp__ostore_check_object(m->alloc, data, len)) != FMCP_OK) return r;
    if (!(copy = fmcp__strndup(m->alloc, data, len))) return FMCP_ERR_NOMEM;
    fmcp__mutex_lock(&m->mu);
    e = *fmcp__ostore_mem_find(m, server_url, kind);
    if (!e) {
        fresh = (fmcp__ostore_entry *)fmcp_malloc(m->alloc, sizeof *fresh);
        if (fresh) {
            memset(fresh, 0, sizeof *fresh);
            fresh->url_len = strlen(server_url);
            fresh->url = fmcp__strndup(m->alloc, server_url, fresh->url_len);
            if (!fresh->url) { fmcp_free(m->alloc, fresh, sizeof *fresh); fresh = NULL; }
        }
        if (fresh) {
            memcpy(fresh->kind, kind, strlen(kind) + 1);
            fresh->next = m->head;
            m->head = fresh;
        }
        e = fresh;
    } else {
        fmcp__ostore_free_secret(m->alloc, e->data, e->len + 1);
    }
    if (e) { e->data = copy; e->len = len; copy = NULL; }
    fmcp__mutex_unlock(&m->mu);
    if (copy) { fmcp__ostore_free_secret(m->alloc, copy, len + 1); return FMCP_ERR_NOMEM; }
    return FMCP_OK;
}

static fmcp_result fmcp__ostore_mem_remove(void *user, const char *server_url, const char *kind)
{
    fmcp__ostore_mem *m = (fmcp__ostore_mem *)user;
    fmcp__ostore_entry **pp;
    if (!m || !server_url || (kind && !fmcp__ostore_kind_ok(kind))) return FMCP_ERR_INVALID_ARG;
    fmcp__mutex_lock(&m->mu);
    while (*(pp = fmcp__ostore_mem_find(m, server_url, kind))) {
        fmcp__ostore_entry *e = *pp;
        *pp = e->next;
        fmcp__ostore_entry_free(m->alloc, e);
    }
    fmcp__mutex_unlock(&m->mu);
    return FMCP_OK;
}

static fmcp_result fmcp__ostore_mem_clear_all(void *user)
{
    fmcp__ostore_mem *m = (fmcp__ostore_mem *)user;
    if (!m) return FMCP_ERR_INVALID_ARG;
    fmcp__mutex_lock(&m->mu);
    while (m->head) {
        fmcp__ostore_entry *e = m->head;
        m->head = e->next;
        fmcp__ostore_entry_free(m->alloc, e);
    }
    fmcp__mutex_unlock(&m->mu);
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_oauth_memory_store_create(const fmcp_allocator *alloc, fmcp_oauth_store **out)
{
    fmcp__ostore_mem *m;
    if (!out) return FMCP_ERR_INVALID_ARG;
    *out = NULL;
    m = (fmcp__ostore_mem *)fmcp_malloc(alloc, sizeof *m);
    if (!m) return FMCP_ERR_NOMEM;
    memset(m, 0, sizeof *m);
    if (fmcp__mutex_init(&m->mu) != 0) { fmcp_free(alloc, m, sizeof *m); return FMCP_ERR_IO; }
    m->alloc = alloc;
    m->vt.load = fmcp__ostore_mem_load;
    m->vt.save = fmcp__ostore_mem_save;
    m->vt.remove = fmcp__ostore_mem_remove;
    m->vt.clear_all = fmcp__ostore_mem_clear_all;
    m->vt.user = m;
    *out = &m->vt;
    return FMCP_OK;
}

FASTMCP_API void fmcp_oauth_memory_store_destroy(fmcp_oauth_store *store)
{
    fmcp__ostore_mem *m;
    if (!store) return;
    m = (fmcp__ostore_mem *)store->user;
    fmcp__ostore_mem_clear_all(m);
    fmcp__mutex_destroy(&m->mu);
    fmcp_free(m->alloc, m, sizeof *m);
}

/* ---- file store ---------------------------------------------------------- */

#ifndef FASTMCP_NO_FILESYSTEM

/* Room for dir + "/." + 64 hex + "_" + kind + ".json" + temp suffix + NUL. */
#define FMCP__OSTORE_PATH_MAX (FMCP_OAUTH_STORE_DIR_MAX + 160)
#define FMCP__OSTORE_HASH_HEX 64

FASTMCP_API fmcp_result fmcp_oauth_default_cache_dir(char *buf, size_t cap)
{
#ifdef _WIN32
    const char *home = getenv("USERPROFILE");
    const char *sep = "\\", *rest = ".fastmcp\\oauth-mcp-client-cache";
#else
    const char *home = getenv("HOME");
    const char *sep = "/", *rest = ".fastmcp/oauth-mcp-client-cache";
#endif
    int n;
    if (!buf || cap == 0) return FMCP_ERR_INVALID_ARG;
    buf[0] = 0;
    if (!home || !home[0]) return FMCP_ERR_NOT_FOUND;
    n = snprintf(buf, cap, "%s%s%s", home, home[strlen(home) - 1] == sep[0] ? "" : sep, rest);
    if (n < 0 || (size_t)n >= cap) { buf[0] = 0; return FMCP_ERR_BUFFER_TOO_SMALL; }
    return FMCP_OK;
}

static size_t fmcp__ostore_cap(const fmcp_oauth_file_store *fs)
{
    return fs->max_file ? fs->max_file : FMCP_OAUTH_STORE_MAX_FILE;
}

/* 64 lowercase hex digits of SHA-256(url) plus NUL. */
static void fmcp__ostore_url_hash(const char *url, size_t url_len, char hex[FMCP__OSTORE_HASH_HEX + 1])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t d[FMCP_SHA256_SIZE];
    size_t i;
    fmcp_sha256(url, url_len, d);
    for (i = 0; i < FMCP_SHA256_SIZE; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[FMCP__OSTORE_HASH_HEX] = 0;
}

/* "<dir>/<hash>_<kind>.json" */
/* The value file's name inside the cache directory. */
static void fmcp__ostore_path(const char *url, const char *kind, char path[FMCP__OSTORE_PATH_MAX])
{
    char hex[FMCP__OSTORE_HASH_HEX + 1];
    fmcp__ostore_url_hash(url, strlen(url), hex);
    snprintf(path, FMCP__OSTORE_PATH_MAX, "%s_%s.json", hex, kind);
}

/* path = dir + "/" + name; 0 when it does not fit. */
/* Length of the hash and kind parts when name is one of our value files
 * ("<64 hex>_<kind>.json"); 0 otherwise. *kind_len gets the kind's length. */
static int fmcp__ostore_name_match(const char *name, size_t *kind_len)
{
    size_t i, n = strlen(name), k;
    if (n < FMCP__OSTORE_HASH_HEX + 1 + 1 + 5) return 0;
    for (i = 0; i < FMCP__OSTORE_HASH_HEX; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f'))) return 0;
    if (name[FMCP__OSTORE_HASH_HEX] != '_' || strcmp(name + n - 5, ".json") != 0) return 0;
    k = n - 5 - (FMCP__OSTORE_HASH_HEX + 1);
    if (k == 0 || k > FMCP_OAUTH_KIND_MAX) return 0;
    for (i = FMCP__OSTORE_HASH_HEX + 1; i < n - 5; i++)
        if (!fmcp__ostore_kind_char(name[i])) return 0;
    *kind_len = k;
    return 1;
}

/* Our temp files: "." + value file name + "." + anything + ".tmp". */
static int fmcp__ostore_temp_match(const char *name)
{
    size_t n = strlen(name), k;
    char base[FMCP__OSTORE_HASH_HEX + FMCP_OAUTH_KIND_MAX + 8];
    const char *dot;
    if (name[0] != '.' || n < 5 || strcmp(name + n - 4, ".tmp") != 0) return 0;
    dot = strstr(name, ".json.");
    if (!dot || (size_t)(dot - name) + 5 >= sizeof base) return 0;
    memcpy(base, name + 1, (size_t)(dot - name) + 4);
    base[(size_t)(dot - name) + 4] = 0;
    return fmcp__ostore_name_match(base, &k);
}

#ifndef _WIN32
/* The open cache directory; later steps are relative to it. */
typedef int fmcp__odir;
static void fmcp__odir_close(fmcp__odir d) { close(d); }
/* 0 when name is gone (or was never there). */
static int fmcp__odir_unlink(fmcp__odir d, const char *name)
{
    return unlinkat(d, name, 0) != 0 && errno != ENOENT ? -1 : 0;
}
/* Directory listing; it owns the fmcp__odir it was opened on. */
typedef struct fmcp__odir_iter { DIR *d; } fmcp__odir_iter;
static int fmcp__odir_iter_open(fmcp__odir d, fmcp__odir_iter *it)
{
    if (!(it->d = fdopendir(d))) { close(d); return -1; }
    return 0;
}
static const char *fmcp__odir_iter_next(fmcp__odir_iter *it)
{
    struct dirent *de = readdir(it->d);
    return de ? de->d_name : NULL;
}
static void fmcp__odir_iter_close(fmcp__odir_iter *it) { closedir(it->d); }

/* Opens the cache directory, which must be a real directory (not a symlink)
 * owned by us. Every later step is relative to this descriptor (openat,
 * renameat, unlinkat), so swapping the path afterwards redirects nothing. */
static fmcp_result fmcp__ostore_open_dir(const char *dir, fmcp__odir *dfd)
{
    struct stat st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    *dfd = -1;
    if (fd < 0) return errno == ENOENT ? FMCP_ERR_NOT_FOUND
                     : errno == ELOOP || errno == ENOTDIR ? FMCP_ERR_FORBIDDEN : FMCP_ERR_IO;
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        /* others must not enter; a umask must not lock us out of what we made */
        ((st.st_mode & 0777) != 0700 && fchmod(fd, 0700) != 0)) {
        close(fd);
        return FMCP_ERR_FORBIDDEN;
    }
    *dfd = fd;
    return FMCP_OK;
}

/* mkdir -p with 0700 for every directory made, then the ownership check. */
static fmcp_result fmcp__ostore_make_dir(const fmcp_oauth_file_store *fs, fmcp__odir *dfd)
{
    char p[FMCP_OAUTH_STORE_DIR_MAX];
    size_t i, n = strlen(fs->dir);
    if (n == 0 || n >= sizeof p) return FMCP_ERR_INVALID_ARG;
    memcpy(p, fs->dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != 0) continue;
        p[i] = 0;
        if (mkdir(p, 0700) != 0 && errno != EEXIST) return FMCP_ERR_IO;
        if (i < n) p[i] = '/';
    }
    return fmcp__ostore_open_dir(fs->dir, dfd);
}

/* Read a whole value file (regular, ours, not a symlink, 1..cap bytes) into a
 * buffer of *len + 1 bytes allocated with a. Anything else is NOT_FOUND. */
static fmcp_result fmcp__ostore_read(fmcp__odir dfd, const char *path, size_t cap, const fmcp_allocator *a,
                                     char **out, size_t *len)
{
    struct stat st;
    char *buf;
    size_t size, got = 0;
    /* O_NONBLOCK: a FIFO planted under our name must not hang the open */
    int fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return FMCP_ERR_NOT_FOUND;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_size <= 0 ||
        (unsigned long long)st.st_size > (unsigned long long)cap) {
        close(fd);
        return FMCP_ERR_NOT_FOUND;
    }
    size = (size_t)st.st_size;
    if (!(buf = (char *)fmcp_malloc(a, size + 1))) { close(fd); return FMCP_ERR_NOMEM; }
    while (got < size) {
        ssize_t k = read(fd, buf + got, size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    if (got != size) { fmcp__ostore_free_secret(a, buf, size + 1); return FMCP_ERR_NOT_FOUND; }
    buf[size] = 0;
    *out = buf; *len = size;
    return FMCP_OK;
}

/* Create a fresh 0600 temp file beside `final` (in dfd); path gets its name. */
static int fmcp__ostore_open_temp(int dfd, const char *final, char path[FMCP__OSTORE_PATH_MAX])
{
    int tries;
    for (tries = 0; tries < 16; tries++) {
        uint8_t rnd[8];
        int fd;
        if (fmcp_random_bytes(rnd, sizeof rnd) != FMCP_OK) return -1;
        snprintf(path, FMCP__OSTORE_PATH_MAX, ".%.200s.%ld-%02x%02x%02x%02x%02x%02x%02x%02x.tmp",
                 final, (long)getpid(),
                 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        fd = openat(dfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd >= 0) {
            /* umask may have removed bits we need; never more than 0600 */
            if (fchmod(fd, 0600) != 0) { close(fd); (void)unlinkat(dfd, path, 0); return -1; }
            return fd;
        }
        if (errno != EEXIST) return -1;
    }
    return -1;
}

static int fmcp__ostore_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k; n -= (size_t)k;
    }
    return 0;
}

/* Write text to final atomically: temp file, fsync, rename, fsync the dir. */
static fmcp_result fmcp__ostore_write_atomic(fmcp__odir dfd, const char *final, const char *text, size_t n)
{
    char tmp[FMCP__OSTORE_PATH_MAX];
    int fd = fmcp__ostore_open_temp(dfd, final, tmp);
    if (fd < 0) return FMCP_ERR_IO;
    if (fmcp__ostore_write_all(fd, text, n) != 0 || fsync(fd) != 0) {
        close(fd); (void)unlinkat(dfd, tmp, 0);
        return FMCP_ERR_IO;
    }
    if (close(fd) != 0 || renameat(dfd, tmp, dfd, final) != 0) { (void)unlinkat(dfd, tmp, 0); return FMCP_ERR_IO; }
    (void)fsync(dfd);
    return FMCP_OK;
}
#else
/* Windows: the directory is held open without FILE_SHARE_DELETE while we
 * work in it, so it cannot be renamed or replaced under us (the equivalent of
 * working relative to a descriptor), and it must not be a reparse point
 * (symlink, junction). Owner-only stands for 0700/0600: the directory must be
 * owned by our user and gets a protected DACL with one inheritable ACE (full
 * access for our user), so every file made in it is ours alone; a file must
 * be owned by us too. */
typedef struct fmcp__odir {
    HANDLE h;
    const char *path;
} fmcp__odir;

static void fmcp__odir_close(fmcp__odir d) { CloseHandle(d.h); }

/* dir + "\" + name into out; 0 when it does not fit. */
static int fmcp__odir_join(fmcp__odir d, const char *name, char out[FMCP__OSTORE_PATH_MAX])
{
    int n = snprintf(out, FMCP__OSTORE_PATH_MAX, "%s\\%s", d.path, name);
    return n > 0 && n < FMCP__OSTORE_PATH_MAX;
}

static int fmcp__odir_unlink(fmcp__odir d, const char *name)
{
    char p[FMCP__OSTORE_PATH_MAX];
    DWORD e;
    if (!fmcp__odir_join(d, name, p)) return -1;
    if (DeleteFileA(p)) return 0;
    e = GetLastError();
    return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? 0 : -1;
}

typedef struct fmcp__odir_iter {
    fmcp__odir d;
    HANDLE f;
    WIN32_FIND_DATAA fd;
    int first;
} fmcp__odir_iter;

static int fmcp__odir_iter_open(fmcp__odir d, fmcp__odir_iter *it)
{
    char p[FMCP__OSTORE_PATH_MAX];
    it->d = d;
    it->first = 1;
    if (!fmcp__odir_join(d, "*", p)) { fmcp__odir_close(d); return -1; }
    it->f = FindFirstFileA(p, &it->fd);
    if (it->f == INVALID_HANDLE_VALUE) { fmcp__odir_close(d); return -1; }
    return 0;
}

static const char *fmcp__odir_iter_next(fmcp__odir_iter *it)
{
    if (it->first) it->first = 0;
    else if (!FindNextFileA(it->f, &it->fd)) return NULL;
    return it->fd.cFileName;
}

static void fmcp__odir_iter_close(fmcp__odir_iter *it)
{
    FindClose(it->f);
    fmcp__odir_close(it->d);
}

/* Our user's SID, inside buf. */
static PSID fmcp__ostore_user_sid(DWORD *buf, DWORD size)
{
    HANDLE tok;
    DWORD got = 0;
    BOOL ok;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) return NULL;
    ok = GetTokenInformation(tok, TokenUser, buf, size, &got);
    CloseHandle(tok);
    return ok ? ((TOKEN_USER *)(void *)buf)->User.Sid : NULL;
}

/* The owner-only DACL (one inheritable full-access ACE for sid) in acl. */
static int fmcp__ostore_owner_acl(PSID sid, DWORD *acl, DWORD size)
{
    return InitializeAcl((PACL)(void *)acl, size, ACL_REVISION) &&
           AddAccessAllowedAceEx((PACL)(void *)acl, ACL_REVISION, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE,
                                 FILE_ALL_ACCESS, sid);
}

/* 1 when the object behind h is owned by sid. */
static int fmcp__ostore_owned(HANDLE h, PSID sid)
{
    PSID owner = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    int ok;
    if (GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL, NULL, &sd) != ERROR_SUCCESS)
        return 0;
    ok = owner && EqualSid(owner, sid);
    LocalFree(sd);
    return ok;
}

static fmcp_result fmcp__ostore_open_dir(const char *dir, fmcp__odir *out)
{
    DWORD ubuf[128], abuf[128];
    BY_HANDLE_FILE_INFORMATION fi;
    PSID sid;
    DWORD e;
    HANDLE h = CreateFileA(dir, FILE_READ_ATTRIBUTES | READ_CONTROL | WRITE_DAC, FILE_SHARE_READ | FILE_SHARE_WRITE,
                           NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    out->h = INVALID_HANDLE_VALUE;
    out->path = dir;
    if (h == INVALID_HANDLE_VALUE) {
        e = GetLastError();
        return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? FMCP_ERR_NOT_FOUND : FMCP_ERR_FORBIDDEN;
    }
    if (!GetFileInformationByHandle(h, &fi) || !(fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
        (fi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ||
        !(sid = fmcp__ostore_user_sid(ubuf, sizeof ubuf)) || !fmcp__ostore_owned(h, sid) ||
        !fmcp__ostore_owner_acl(sid, abuf, sizeof abuf) ||
        SetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                        NULL, NULL, (PACL)(void *)abuf, NULL) != ERROR_SUCCESS) {
        CloseHandle(h);
        return FMCP_ERR_FORBIDDEN;
    }
    out->h = h;
    return FMCP_OK;
}

/* mkdir -p; directories made get the owner-only DACL; then the checks. */
static fmcp_result fmcp__ostore_make_dir(const fmcp_oauth_file_store *fs, fmcp__odir *dfd)
{
    char p[FMCP_OAUTH_STORE_DIR_MAX];
    DWORD ubuf[128], abuf[128];
    SECURITY_DESCRIPTOR sd;
    SECURITY_ATTRIBUTES sa;
    PSID sid;
    size_t i, n = strlen(fs->dir);
    if (n == 0 || n >= sizeof p) return FMCP_ERR_INVALID_ARG;
    if (!(sid = fmcp__ostore_user_sid(ubuf, sizeof ubuf)) || !fmcp__ostore_owner_acl(sid, abuf, sizeof abuf) ||
        !InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION) ||
        !SetSecurityDescriptorDacl(&sd, TRUE, (PACL)(void *)abuf, FALSE) ||
        !SetSecurityDescriptorControl(&sd, SE_DACL_PROTECTED, SE_DACL_PROTECTED))
        return FMCP_ERR_IO;
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = &sd;
    sa.bInheritHandle = FALSE;
    memcpy(p, fs->dir, n + 1);
    for (i = 1; i <= n; i++) {
        DWORD at;
        char c = p[i];
        if (c != '/' && c != '\\' && c != 0) continue;
        p[i] = 0;
        /* a drive ("C:") or a part that exists already is fine as it is */
        if (!CreateDirectoryA(p, &sa) &&
            ((at = GetFileAttributesA(p)) == INVALID_FILE_ATTRIBUTES || !(at & FILE_ATTRIBUTE_DIRECTORY)))
            return FMCP_ERR_IO;
        p[i] = c;
    }
    return fmcp__ostore_open_dir(fs->dir, dfd);
}

static fmcp_result fmcp__ostore_read(fmcp__odir dfd, const char *name, size_t cap, const fmcp_allocator *a,
                                     char **out, size_t *len)
{
    char p[FMCP__OSTORE_PATH_MAX];
    DWORD ubuf[128];
    BY_HANDLE_FILE_INFORMATION fi;
    LARGE_INTEGER sz;
    PSID sid;
    char *buf;
    size_t size, got = 0;
    HANDLE h;
    if (!fmcp__odir_join(dfd, name, p)) return FMCP_ERR_NOT_FOUND;
    h = CreateFileA(p, GENERIC_READ | READ_CONTROL, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (h == INVALID_HANDLE_VALUE) return FMCP_ERR_NOT_FOUND;
    if (!GetFileInformationByHandle(h, &fi) ||
        (fi.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DEVICE)) ||
        !GetFileSizeEx(h, &sz) || sz.QuadPart <= 0 || (unsigned long long)sz.QuadPart > (unsigned long long)cap ||
        !(sid = fmcp__ostore_user_sid(ubuf, sizeof ubuf)) || !fmcp__ostore_owned(h, sid)) {
        CloseHandle(h);
        return FMCP_ERR_NOT_FOUND;
    }
    size = (size_t)sz.QuadPart;
    if (!(buf = (char *)fmcp_malloc(a, size + 1))) { CloseHandle(h); return FMCP_ERR_NOMEM; }
    while (got < size) {
        DWORD k = 0, want = size - got > 0x40000000u ? 0x40000000u : (DWORD)(size - got);
        if (!ReadFile(h, buf + got, want, &k, NULL) || k == 0) break;
        got += k;
    }
    CloseHandle(h);
    if (got != size) { fmcp__ostore_free_secret(a, buf, size + 1); return FMCP_ERR_NOT_FOUND; }
    buf[size] = 0;
    *out = buf; *len = size;
    return FMCP_OK;
}

/* Temp file (inheriting the directory's owner-only DACL), flush, then
 * MoveFileEx over final: readers see the old or the new file. */
static fmcp_result fmcp__ostore_write_atomic(fmcp__odir dfd, const char *final, const char *text, size_t n)
{
    char tmp[FMCP__OSTORE_PATH_MAX], tp[FMCP__OSTORE_PATH_MAX], fp[FMCP__OSTORE_PATH_MAX];
    HANDLE h = INVALID_HANDLE_VALUE;
    int tries, ok;
    if (!fmcp__odir_join(dfd, final, fp)) return FMCP_ERR_IO;
    for (tries = 0; tries < 16 && h == INVALID_HANDLE_VALUE; tries++) {
        uint8_t rnd[8];
        if (fmcp_random_bytes(rnd, sizeof rnd) != FMCP_OK) return FMCP_ERR_IO;
        snprintf(tmp, sizeof tmp, ".%.200s.%lu-%02x%02x%02x%02x%02x%02x%02x%02x.tmp",
                 final, (unsigned long)GetCurrentProcessId(),
                 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        if (!fmcp__odir_join(dfd, tmp, tp)) return FMCP_ERR_IO;
        h = CreateFileA(tp, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE && GetLastError() != ERROR_FILE_EXISTS) return FMCP_ERR_IO;
    }
    if (h == INVALID_HANDLE_VALUE) return FMCP_ERR_IO;
    ok = 1;
    while (ok && n) {
        DWORD k = 0, want = n > 0x40000000u ? 0x40000000u : (DWORD)n;
        ok = WriteFile(h, text, want, &k, NULL) && k > 0;
        text += k; n -= k;
    }
    ok = ok && FlushFileBuffers(h);
    ok = CloseHandle(h) && ok;
    /* another writer's move, or a reader opening the name, makes the move fail
     * for a moment with a sharing error: retry, boundedly */
    for (tries = 0; ok && !MoveFileExA(tp, fp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH); tries++) {
        DWORD e = GetLastError();
        if (tries >= 500 || (e != ERROR_ACCESS_DENIED && e != ERROR_SHARING_VIOLATION)) ok = 0;
        else Sleep(tries < 20 ? 0 : 1);
    }
    if (!ok) {
        (void)DeleteFileA(tp);
        return FMCP_ERR_IO;
    }
    return FMCP_OK;
}
#endif

/* The file's text before the value: {"fastmcp_oauth_store":1,"server_url":"...","kind":"...","data":
 * The file is that prefix, the value's JSON text, then "}\n". */
static fmcp_result fmcp__ostore_prefix(const fmcp_allocator *a, const char *url, const char *kind,
                                       char **out, size_t *len)
{
    fmcp_json_writer w;
    static const char fmt[] = "{\"fastmcp_oauth_store\":1,\"server_url\":%s,\"kind\":\"%s\",\"data\":";
    char *q, *p;
    size_t qn, n;
    fmcp_result r;
    fmcp_jw_init(&w, a);
    fmcp_jw_str(&w, url);
    if ((r = fmcp_jw_finish(&w, &q, &qn)) != FMCP_OK) { fmcp_jw_reset(&w); return r; }
    n = (size_t)snprintf(NULL, 0, fmt, q, kind);
    p = (char *)fmcp_malloc(a, n + 1);
    if (p) snprintf(p, n + 1, fmt, q, kind);
    fmcp_free_text(w.alloc, q, qn);
    if (!p) return FMCP_ERR_NOMEM;
    *out = p; *len = n;
    return FMCP_OK;
}

static fmcp_result fmcp__ostore_file_load(void *user, const fmcp_allocator *a, const char *server_url,
                                          const char *kind, char **data, size_t *len)
{
    fmcp_oauth_file_store *fs = (fmcp_oauth_file_store *)user;
    char path[FMCP__OSTORE_PATH_MAX];
    char *file = NULL, *pre = NULL;
    size_t flen = 0, plen = 0, vlen = 0;
    fmcp__odir dfd;
    fmcp_result r;
    if (!data || !len) return FMCP_ERR_INVALID_ARG;
    *data = NULL; *len = 0;
    if (!fs || !server_url || !fmcp__ostore_kind_ok(kind)) return FMCP_ERR_INVALID_ARG;
    if ((r = fmcp__ostore_open_dir(fs->dir, &dfd)) != FMCP_OK) return FMCP_ERR_NOT_FOUND;
    fmcp__ostore_path(server_url, kind, path);
    r = fmcp__ostore_read(dfd, path, fmcp__ostore_cap(fs), a, &file, &flen);
    fmcp__odir_close(dfd);
    if (r != FMCP_OK) return r;
    if ((r = fmcp__ostore_prefix(a, server_url, kind, &pre, &plen)) == FMCP_OK) {
        r = FMCP_ERR_NOT_FOUND;
        if (flen > plen + 2 && memcmp(file, pre, plen) == 0 && memcmp(file + flen - 2, "}\n", 2) == 0) {
            vlen = flen - plen - 2;
            r = fmcp__ostore_check_object(a, file + plen, vlen);
            if (r == FMCP_ERR_PARSE) r = FMCP_ERR_NOT_FOUND;
        }
        fmcp_free(a, pre, plen + 1);
    }
    if (r == FMCP_OK && !(*data = fmcp__strndup(a, file + plen, vlen))) r = FMCP_ERR_NOMEM;
    if (r == FMCP_OK) *len = vlen;
    fmcp__ostore_free_secret(a, file, flen + 1);
    return r;
}


static fmcp_result fmcp__ostore_file_save(void *user, const char *server_url, const char *kind,
                                          const char *data, size_t len)
{
    fmcp_oauth_file_store *fs = (fmcp_oauth_file_store *)user;
    char path[FMCP__OSTORE_PATH_MAX];
    char *pre = NULL, *text;
    size_t plen = 0, n;
    fmcp__odir dfd;
    fmcp_result r;
    if (!fs || !server_url || !data || !fmcp__ostore_kind_ok(kind)) return FMCP_ERR_INVALID_ARG;
    if (len >= fmcp__ostore_cap(fs)) return FMCP_ERR_TOO_LARGE;   /* before parsing it */
    if ((r = fmcp__ostore_check_object(fs->alloc, data, len)) != FMCP_OK) return r;
    if ((r = fmcp__ostore_prefix(fs->alloc, server_url, kind, &pre, &plen)) != FMCP_OK) return r;
    n = plen + len + 2;
    if (n > fmcp__ostore_cap(fs)) { fmcp_free(fs->alloc, pre, plen + 1); return FMCP_ERR_TOO_LARGE; }
    text = (char *)fmcp_malloc(fs->alloc, n);
    if (!text) { fmcp_free(fs->alloc, pre, plen + 1); return FMCP_ERR_NOMEM; }
    memcpy(text, pre, plen);
    memcpy(text + plen, data, len);
    memcpy(text + plen + len, "}\n", 2);
    fmcp_free(fs->alloc, pre, plen + 1);
    r = fmcp__ostore_make_dir(fs, &dfd);
    if (r == FMCP_OK) {
        fmcp__ostore_path(server_url, kind, path);
        r = fmcp__ostore_write_atomic(dfd, path, text, n);
        fmcp__odir_close(dfd);
    }
    fmcp__ostore_free_secret(fs->alloc, text, n);
    return r;
}

/* Unlink our files in the directory: all of them, or those of one URL hash. */
static fmcp_result fmcp__ostore_sweep(const fmcp_oauth_file_store *fs, const char *hash)
{
    const char *name;
    fmcp_result r = FMCP_OK;
    fmcp__odir_iter it;
    fmcp__odir dfd;
    if ((r = fmcp__ostore_open_dir(fs->dir, &dfd)) != FMCP_OK) return r == FMCP_ERR_NOT_FOUND ? FMCP_OK : r;
    if (fmcp__odir_iter_open(dfd, &it) != 0) return FMCP_ERR_IO;   /* it owns dfd now */
    while ((name = fmcp__odir_iter_next(&it)) != NULL) {
        size_t k;
        int ours = fmcp__ostore_name_match(name, &k) || fmcp__ostore_temp_match(name);
        const char *h = name[0] == '.' ? name + 1 : name;
        if (!ours || (hash && memcmp(h, hash, FMCP__OSTORE_HASH_HEX) != 0)) continue;
        if (fmcp__odir_unlink(dfd, name) != 0) r = FMCP_ERR_IO;
    }
    fmcp__odir_iter_close(&it);
    return r;
}

static fmcp_result fmcp__ostore_file_remove(void *user, const char *server_url, const char *kind)
{
    fmcp_oauth_file_store *fs = (fmcp_oauth_file_store *)user;
    char path[FMCP__OSTORE_PATH_MAX];
    char hex[FMCP__OSTORE_HASH_HEX + 1];
    fmcp__odir dfd;
    fmcp_result r;
    if (!fs || !server_url || (kind && !fmcp__ostore_kind_ok(kind))) return FMCP_ERR_INVALID_ARG;
    if (!kind) {
        fmcp__ostore_url_hash(server_url, strlen(server_url), hex);
        return fmcp__ostore_sweep(fs, hex);
    }
    if ((r = fmcp__ostore_open_dir(fs->dir, &dfd)) != FMCP_OK) return r == FMCP_ERR_NOT_FOUND ? FMCP_OK : r;
    fmcp__ostore_path(server_url, kind, path);
    r = fmcp__odir_unlink(dfd, path) != 0 ? FMCP_ERR_IO : FMCP_OK;
    fmcp__odir_close(dfd);
    return r;
}

static fmcp_result fmcp__ostore_file_clear_all(void *user)
{
    if (!user) return FMCP_ERR_INVALID_ARG;
    return fmcp__ostore_sweep((const fmcp_oauth_file_store *)user, NULL);
}

FASTMCP_API fmcp_result fmcp_oauth_file_store_init(fmcp_oauth_file_store *fs, const fmcp_allocator *alloc,
                                                   const char *dir, fmcp_oauth_store *out)
{
    fmcp_result r;
    size_t n;
    if (!fs || !out) return FMCP_ERR_INVALID_ARG;
    memset(fs, 0, sizeof *fs);
    memset(out, 0, sizeof *out);
    if (!dir) {
        if ((r = fmcp_oauth_default_cache_dir(fs->dir, sizeof fs->dir)) != FMCP_OK) return r;
    } else {
        n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/') n--;   /* "a/b/" and "a/b" name the same store */
        if (n == 0 || n >= sizeof fs->dir) return FMCP_ERR_INVALID_ARG;
        memcpy(fs->dir, dir, n);
        fs->dir[n] = 0;
    }
    fs->alloc = alloc;
    out->load = fmcp__ostore_file_load;
    out->save = fmcp__ostore_file_save;
    out->remove = fmcp__ostore_file_remove;
    out->clear_all = fmcp__ostore_file_clear_all;
    out->user = fs;
    return FMCP_OK;
}

/* The server URL of one value file, checked against the name's hash and
 * kind; FMCP_ERR_NOT_FOUND when the file is not a sound value. */
static fmcp_result fmcp__ostore_list_one(fmcp_oauth_file_store *fs, fmcp__odir dfd, const char *name, size_t kind_len,
                                         int (*cb)(void *, const char *, const char *), void *user,
                                         int *stop)
{
    char kind[FMCP_OAUTH_KIND_MAX + 1], hex[FMCP__OSTORE_HASH_HEX + 1];
    char *url = NULL, *data = NULL;
    size_t flen = 0, ulen = 0, dlen = 0;
    fmcp_json_parse_options opt;
    fmcp_json_doc *doc = NULL;
    const char *u;
    fmcp_result r;
    memcpy(kind, name + FMCP__OSTORE_HASH_HEX + 1, kind_len);
    kind[kind_len] = 0;
    if ((r = fmcp__ostore_read(dfd, name, fmcp__ostore_cap(fs), fs->alloc, &data, &flen)) != FMCP_OK) return r;
    memset(&opt, 0, sizeof opt);
    opt.alloc = fs->alloc;
    r = fmcp_json_parse(data, flen, &opt, &doc, NULL);
    fmcp__ostore_free_secret(fs->alloc, data, flen + 1);
    if (r != FMCP_OK) return r == FMCP_ERR_NOMEM ? r : FMCP_ERR_NOT_FOUND;
    u = fmcp_json_str(fmcp_json_get(fmcp_json_root(doc), "server_url"), &ulen);
    r = FMCP_ERR_NOT_FOUND;
    if (u && strlen(u) == ulen) {
        fmcp__ostore_url_hash(u, ulen, hex);
        if (memcmp(hex, name, FMCP__OSTORE_HASH_HEX) == 0)
            r = (url = fmcp__strndup(fs->alloc, u, ulen)) != NULL ? FMCP_OK : FMCP_ERR_NOMEM;
    }
    fmcp_json_doc_destroy(doc);
    if (r != FMCP_OK) return r;
    /* a full load proves the value is sound before we report it */
    r = fmcp__ostore_file_load(fs, fs->alloc, url, kind, &data, &dlen);
    if (r == FMCP_OK) {
        fmcp__ostore_free_secret(fs->alloc, data, dlen + 1);
        *stop = cb(user, url, kind);
    }
    fmcp_free(fs->alloc, url, ulen + 1);
    return r;
}

FASTMCP_API fmcp_result fmcp_oauth_file_store_list(fmcp_oauth_file_store *fs,
                                                   int (*cb)(void *user, const char *server_url,
                                                             const char *kind),
                                                   void *user)
{
    const char *name;
    fmcp_result r;
    int stop = 0;
    fmcp__odir_iter it;
    fmcp__odir dfd;
    if (!fs || !cb) return FMCP_ERR_INVALID_ARG;
    if ((r = fmcp__ostore_open_dir(fs->dir, &dfd)) != FMCP_OK) return r == FMCP_ERR_NOT_FOUND ? FMCP_OK : r;
    if (fmcp__odir_iter_open(dfd, &it) != 0) return FMCP_ERR_IO;   /* it owns dfd now */
    r = FMCP_OK;
    while (!stop && (name = fmcp__odir_iter_next(&it)) != NULL) {
        size_t k;
        fmcp_result one;
        if (!fmcp__ostore_name_match(name, &k)) continue;
        one = fmcp__ostore_list_one(fs, dfd, name, k, cb, user, &stop);
        if (one == FMCP_ERR_NOMEM) { r = one; break; }
    }
    fmcp__odir_iter_close(&it);
    return r;
}

#endif /* FASTMCP_NO_FILESYSTEM */
