/* Unit tests for the oauth_store module: memory and file stores, file
 * permissions, damaged files, foreign files, and concurrent writers (forked
 * processes and threads) checked by a reader that must never see a torn value. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _WIN32
/* Windows (mingw-w64, under Wine): the contract, listing and thread races run
 * against the Win32 store; the POSIX permission, symlink, FIFO, HOME and
 * forked-writer cases are POSIX-only. */
#include <windows.h>
#define lstat stat
#else
#include <signal.h>
#include <sys/wait.h>
#endif
#ifndef O_BINARY
#define O_BINARY 0
#endif

static char t_root[256];   /* mkdtemp dir for the whole run */

/* rm -rf without following symbolic links. */
static void t_rm_rf(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
        while ((de = readdir(d)) != NULL) {
            char sub[1024];
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            t_rm_rf(sub);
        }
        closedir(d);
    }
    if (remove(path) != 0) (void)rmdir(path);   /* Windows: remove() takes files only */
}

/* A fresh cache directory path under the run's temp dir (not created). */
static const char *t_dir(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", t_root, name);
    t_rm_rf(buf);
    return buf;
}

static int t_write(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_BINARY, 0600);
    int ok;
    if (fd < 0) return -1;
    ok = write(fd, data, n) == (ssize_t)n;
    close(fd);
    return ok ? 0 : -1;
}

static int t_exists(const char *path) { struct stat st; return lstat(path, &st) == 0; }

/* The value file of (url, kind); names the URL's SHA-256 in hex. */
static T_UNUSED void t_value_path(const char *dir, const char *hex, const char *kind, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s_%s.json", dir, hex, kind);
}

static const char *TOK = "{\"access_token\":\"at-1\",\"refresh_token\":\"rt-1\",\"expires_at\":1900000000}";
static const char *CLI = "{\"client_id\":\"c-123\",\"redirect_uris\":[\"http://localhost:1/callback\"]}";

static void check_load(fmcp_oauth_store *st, const char *url, const char *kind, const char *want)
{
    char *d = NULL; size_t n = 7;
    fmcp_result r = st->load(st->user, NULL, url, kind, &d, &n);
    if (!want) {
        CHECK_EQ_INT(r, FMCP_ERR_NOT_FOUND);
        CHECK(d == NULL && n == 0);
        return;
    }
    CHECK_OK(r);
    CHECK(d && n == strlen(want) && d[n] == 0);
    if (d) CHECK_STR(d, want);
    fmcp_free(NULL, d, n + 1);
}

/* Behaviour every store shares. */
static void check_store_contract(fmcp_oauth_store *st)
{
    const char *u1 = "https://a.example/mcp", *u2 = "https://b.example/mcp";
    char *d = NULL; size_t n = 0;
    check_load(st, u1, "tokens", NULL);
    CHECK_OK(st->save(st->user, u1, "tokens", TOK, strlen(TOK)));
    CHECK_OK(st->save(st->user, u1, "client", CLI, strlen(CLI)));
    CHECK_OK(st->save(st->user, u2, "tokens", "{}", 2));
    check_load(st, u1, "tokens", TOK);
    check_load(st, u1, "client", CLI);
    check_load(st, u2, "tokens", "{}");
    check_load(st, u2, "client", NULL);
    /* overwrite */
    CHECK_OK(st->save(st->user, u2, "tokens", "{\"a\":[1,2,{\"b\":null}]}", 22));
    check_load(st, u2, "tokens", "{\"a\":[1,2,{\"b\":null}]}");
    /* only JSON objects, only tame kinds */
    CHECK_EQ_INT(st->save(st->user, u1, "tokens", "[1]", 3), FMCP_ERR_PARSE);
    CHECK_EQ_INT(st->save(st->user, u1, "tokens", "{\"a\":1", 6), FMCP_ERR_PARSE);
    CHECK_EQ_INT(st->save(st->user, u1, "tokens", "{} {}", 5), FMCP_ERR_PARSE);
    CHECK_EQ_INT(st->save(st->user, u1, "../x", "{}", 2), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(st->save(st->user, u1, "", "{}", 2), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(st->save(st->user, u1, "Tokens", "{}", 2), FMCP_ERR_INVALID_ARG);
    CHECK_EQ_INT(st->load(st->user, NULL, u1, "a/b", &d, &n), FMCP_ERR_INVALID_ARG);
    check_load(st, u1, "tokens", TOK);   /* failed saves changed nothing */
    /* remove one kind, then clear one server, leaving the other */
    CHECK_OK(st->remove(st->user, u1, "client"));
    check_load(st, u1, "client", NULL);
    check_load(st, u1, "tokens", TOK);
    CHECK_OK(st->remove(st->user, u1, "client"));   /* absent: still fine */
    CHECK_OK(st->save(st->user, u1, "client", CLI, strlen(CLI)));
    CHECK_OK(fmcp_oauth_store_clear(st, u1));
    check_load(st, u1, "tokens", NULL);
    check_load(st, u1, "client", NULL);
    check_load(st, u2, "tokens", "{\"a\":[1,2,{\"b\":null}]}");
    CHECK_OK(st->save(st->user, u1, "tokens", TOK, strlen(TOK)));
    CHECK_OK(fmcp_oauth_store_clear_all(st));
    check_load(st, u1, "tokens", NULL);
    check_load(st, u2, "tokens", NULL);
}

static void test_memory_store(void)
{
    fmcp_oauth_store *st = NULL;
    CHECK_OK(fmcp_oauth_memory_store_create(NULL, &st));
    if (!st) return;
    check_store_contract(st);
    CHECK_OK(st->save(st->user, "u", "tokens", TOK, strlen(TOK)));
    fmcp_oauth_memory_store_destroy(st);   /* frees what is still stored */
    fmcp_oauth_memory_store_destroy(NULL);
    CHECK_EQ_INT(fmcp_oauth_memory_store_create(NULL, NULL), FMCP_ERR_INVALID_ARG);
}

static void test_memory_alloc_sweep(void)
{
    T_ALLOC_SWEEP({
        fmcp_oauth_store *st = NULL;
        char *d = NULL; size_t n = 0;
        t_rc = fmcp_oauth_memory_store_create(&t_alloc, &st);
        if (t_rc == 0) t_rc = st->save(st->user, "https://x/mcp", "tokens", TOK, strlen(TOK));
        if (t_rc == 0) t_rc = st->save(st->user, "https://x/mcp", "tokens", CLI, strlen(CLI));
        if (t_rc == 0) t_rc = st->save(st->user, "https://y/mcp", "client", CLI, strlen(CLI));
        if (t_rc == 0) t_rc = st->load(st->user, &t_alloc, "https://x/mcp", "tokens", &d, &n);
        if (t_rc == 0) { CHECK(n == strlen(CLI)); fmcp_free(&t_alloc, d, n + 1); }
        if (st) fmcp_oauth_memory_store_destroy(st);
    });
}

static void test_file_store_contract(void)
{
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, t_dir("contract/sub/cache/"), &st));
    CHECK(strlen(fs.dir) > 0 && fs.dir[strlen(fs.dir) - 1] != '/');
    check_store_contract(&st);
}

#ifndef _WIN32
static void test_default_dir(void)
{
    char buf[FMCP_OAUTH_STORE_DIR_MAX], small[8];
    char *home = getenv("HOME");
    char saved[512];
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    snprintf(saved, sizeof saved, "%s", home ? home : "");
    setenv("HOME", "/home/someone", 1);
    CHECK_OK(fmcp_oauth_default_cache_dir(buf, sizeof buf));
    CHECK_STR(buf, "/home/someone/.fastmcp/oauth-mcp-client-cache");
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, NULL, &st));
    CHECK_STR(fs.dir, "/home/someone/.fastmcp/oauth-mcp-client-cache");
    CHECK_EQ_INT(fmcp_oauth_default_cache_dir(small, sizeof small), FMCP_ERR_BUFFER_TOO_SMALL);
    unsetenv("HOME");
    CHECK_EQ_INT(fmcp_oauth_default_cache_dir(buf, sizeof buf), FMCP_ERR_NOT_FOUND);
    CHECK_EQ_INT(fmcp_oauth_file_store_init(&fs, NULL, NULL, &st), FMCP_ERR_NOT_FOUND);
    if (home) setenv("HOME", saved, 1);
}

/* Directories made 0700 (parents too), files 0600, named by SHA-256 of the
 * URL: "abc" hashes to the FIPS 180-2 example digest. */
static void test_file_permissions(void)
{
    static const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    char p[1024], parent[1024];
    struct stat sb;
    mode_t old = umask(0);   /* a permissive umask must not widen anything */
    const char *dir = t_dir("perm/a/b");
    snprintf(parent, sizeof parent, "%s/perm/a", t_root);
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, dir, &st));
    CHECK_OK(st.save(st.user, "abc", "tokens", TOK, strlen(TOK)));
    umask(old);
    CHECK(lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode));
    CHECK_EQ_INT(sb.st_mode & 0777, 0700);
    CHECK(lstat(parent, &sb) == 0 && S_ISDIR(sb.st_mode));
    CHECK_EQ_INT(sb.st_mode & 0777, 0700);
    t_value_path(dir, abc, "tokens", p, sizeof p);
    CHECK(lstat(p, &sb) == 0 && S_ISREG(sb.st_mode));
    CHECK_EQ_INT(sb.st_mode & 0777, 0600);
    {   /* the URL is stored inside the file, the value verbatim */
        char *txt = t_read_file(p, NULL);
        CHECK(txt && strstr(txt, "\"server_url\":\"abc\"") && strstr(txt, TOK));
        free(txt);
    }
    /* a cache dir others can enter is tightened back to 0700 */
    CHECK(chmod(dir, 0755) == 0);
    CHECK_OK(st.save(st.user, "abc", "client", CLI, strlen(CLI)));
    CHECK(lstat(dir, &sb) == 0);
    CHECK_EQ_INT(sb.st_mode & 0777, 0700);
    t_value_path(dir, abc, "client", p, sizeof p);
    CHECK(lstat(p, &sb) == 0);
    CHECK_EQ_INT(sb.st_mode & 0777, 0600);
    {   /* a restrictive umask must not leave an unusable directory or file */
        fmcp_oauth_file_store fs2;
        fmcp_oauth_store st2;
        char d2[512];
        mode_t prev = umask(0377);
        snprintf(d2, sizeof d2, "%s/perm-umask", t_root);   /* t_dir's buffer holds dir */
        CHECK_OK(fmcp_oauth_file_store_init(&fs2, NULL, d2, &st2));
        CHECK_OK(st2.save(st2.user, "abc", "tokens", TOK, strlen(TOK)));
        umask(prev);
        CHECK(lstat(d2, &sb) == 0);
        CHECK_EQ_INT(sb.st_mode & 0777, 0700);
        check_load(&st2, "abc", "tokens", TOK);
        t_value_path(d2, abc, "tokens", p, sizeof p);
        CHECK(lstat(p, &sb) == 0);
        CHECK_EQ_INT(sb.st_mode & 0777, 0600);
    }
    {   /* no temp files left behind */
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 2", dir);
        CHECK(system(cmd) == 0);
    }
}

/* Every damaged file reads as absent; none crashes. */
static void test_file_corrupt(void)
{
    static const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    char p[1024], p2[1024];
    char *good;
    size_t n, cut;
    const char *dir = t_dir("corrupt");
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, dir, &st));
    CHECK_OK(st.save(st.user, "abc", "tokens", TOK, strlen(TOK)));
    t_value_path(dir, abc, "tokens", p, sizeof p);
    good = t_read_file(p, &n);
    CHECK(good != NULL);
    if (!good) return;
    for (cut = 0; cut < n; cut++) {   /* every partial write, including empty */
        CHECK(t_write(p, good, cut) == 0);
        check_load(&st, "abc", "tokens", NULL);
    }
    CHECK(t_write(p, good, n) == 0);
    check_load(&st, "abc", "tokens", TOK);
    {   /* one flipped structural byte */
        char *bad = (char *)malloc(n);
        memcpy(bad, good, n);
        bad[n - 3] = '!';
        CHECK(t_write(p, bad, n) == 0);
        check_load(&st, "abc", "tokens", NULL);
        free(bad);
    }
    CHECK(t_write(p, "\x00\xff garbage", 10) == 0);
    check_load(&st, "abc", "tokens", NULL);
    /* a directory or a FIFO under the file's name */
    CHECK(unlink(p) == 0 && mkdir(p, 0700) == 0);
    check_load(&st, "abc", "tokens", NULL);
    CHECK(rmdir(p) == 0 && mkfifo(p, 0600) == 0);
    check_load(&st, "abc", "tokens", NULL);
    CHECK(unlink(p) == 0);
    {   /* a valid wrapper around something that is not an object */
        const char *arr = "{\"fastmcp_oauth_store\":1,\"server_url\":\"abc\",\"kind\":\"tokens\",\"data\":[1]}\n";
        CHECK(t_write(p, arr, strlen(arr)) == 0);
        check_load(&st, "abc", "tokens", NULL);
    }
    /* wrong embedded URL: a file for another server put under this name */
    CHECK_OK(st.save(st.user, "https://other/mcp", "tokens", TOK, strlen(TOK)));
    CHECK_OK(fmcp_oauth_store_clear(&st, "abc"));
    check_load(&st, "https://other/mcp", "tokens", TOK);
    {
        fmcp_oauth_file_store fs2;
        fmcp_oauth_store st2;
        char hex[65];
        uint8_t d[32];
        int i;
        fmcp_sha256("https://other/mcp", 17, d);
        for (i = 0; i < 32; i++) sprintf(hex + 2 * i, "%02x", d[i]);
        t_value_path(dir, hex, "tokens", p2, sizeof p2);
        CHECK(rename(p2, p) == 0);
        check_load(&st, "abc", "tokens", NULL);
        check_load(&st, "https://other/mcp", "tokens", NULL);
        /* wrong kind in the file: rename a tokens file to a client name */
        CHECK_OK(st.save(st.user, "abc", "client", CLI, strlen(CLI)));
        t_value_path(dir, abc, "client", p2, sizeof p2);
        CHECK(rename(p2, p) == 0);
        check_load(&st, "abc", "tokens", NULL);
        /* oversized: the cap is configurable; the default is 1 MiB */
        CHECK_OK(st.save(st.user, "abc", "tokens", TOK, strlen(TOK)));
        CHECK_OK(fmcp_oauth_file_store_init(&fs2, NULL, dir, &st2));
        fs2.max_file = 64;
        check_load(&st2, "abc", "tokens", NULL);
        CHECK_EQ_INT(st2.save(st2.user, "abc", "tokens", TOK, strlen(TOK)), FMCP_ERR_TOO_LARGE);
        check_load(&st, "abc", "tokens", TOK);
    }
    {   /* a 2 MiB file (valid JSON) is ignored without reading it whole */
        size_t big = 2u << 20, plen;
        char *huge = (char *)malloc(big);
        const char *pre = "{\"fastmcp_oauth_store\":1,\"server_url\":\"abc\",\"kind\":\"tokens\",\"data\":{\"x\":\"";
        plen = strlen(pre);
        memcpy(huge, pre, plen);
        memset(huge + plen, 'a', big - plen);
        memcpy(huge + big - 4, "\"}}\n", 4);
        CHECK(t_write(p, huge, big) == 0);
        check_load(&st, "abc", "tokens", NULL);
        /* and saving more than the cap is refused */
        memcpy(huge, "{\"x\":\"", 6);
        memcpy(huge + big - 2, "\"}", 2);
        CHECK_EQ_INT(st.save(st.user, "abc", "tokens", huge, big), FMCP_ERR_TOO_LARGE);
        free(huge);
    }
    free(good);
}

#endif

#ifndef _WIN32
/* Symlinks and files of other users are refused. */
static void test_file_links_and_owners(void)
{
    static const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    char p[1024], target[1024], link[1024];
    const char *dir = t_dir("links");
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, dir, &st));
    CHECK_OK(st.save(st.user, "abc", "tokens", TOK, strlen(TOK)));
    t_value_path(dir, abc, "tokens", p, sizeof p);
    snprintf(target, sizeof target, "%s/elsewhere.json", dir);
    CHECK(rename(p, target) == 0);
    CHECK(symlink(target, p) == 0);
    check_load(&st, "abc", "tokens", NULL);
    /* saving replaces the link itself, never writes through it */
    CHECK_OK(st.save(st.user, "abc", "tokens", "{\"new\":1}", 9));
    check_load(&st, "abc", "tokens", "{\"new\":1}");
    {
        char *old = t_read_file(target, NULL);
        CHECK(old && strstr(old, TOK));
        free(old);
    }
    /* the cache directory itself as a symlink */
    snprintf(link, sizeof link, "%s/links-alias", t_root);
    unlink(link);
    CHECK(symlink(dir, link) == 0);
    {
        fmcp_oauth_file_store fs2;
        fmcp_oauth_store st2;
        CHECK_OK(fmcp_oauth_file_store_init(&fs2, NULL, link, &st2));
        CHECK_EQ_INT(st2.save(st2.user, "abc", "tokens", TOK, strlen(TOK)), FMCP_ERR_FORBIDDEN);
        check_load(&st2, "abc", "tokens", NULL);
        /* a plain file where the directory should be */
        CHECK_OK(fmcp_oauth_file_store_init(&fs2, NULL, target, &st2));
        CHECK(st2.save(st2.user, "abc", "tokens", TOK, strlen(TOK)) != FMCP_OK);
    }
    if (geteuid() == 0) {   /* files and directories of another user */
        fmcp_oauth_file_store fs3;
        fmcp_oauth_store st3;
        const char *d3;
        CHECK(lchown(p, 65534, 65534) == 0);
        check_load(&st, "abc", "tokens", NULL);
        d3 = t_dir("foreign");
        CHECK(mkdir(d3, 0700) == 0 && chown(d3, 65534, 65534) == 0);
        CHECK_OK(fmcp_oauth_file_store_init(&fs3, NULL, d3, &st3));
        CHECK_EQ_INT(st3.save(st3.user, "abc", "tokens", TOK, strlen(TOK)), FMCP_ERR_FORBIDDEN);
    }
}
#endif

static int t_list_cb(void *user, const char *url, const char *kind)
{
    char *acc = (char *)user;
    size_t n = strlen(acc);
    snprintf(acc + n, 1024 - n, "[%s %s]", url, kind);
    return 0;
}

/* clear_all removes our files only; list reports sound values only. */
static void test_file_clear_and_list(void)
{
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    char p[1024], acc[1024];
    const char *foreign[] = { "notes.txt", "abc_tokens.json",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad_tokens.json.bak",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad_TOKENS.json" };
    const char *dir = t_dir("clear");
    size_t i;
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, dir, &st));
    acc[0] = 0;
    CHECK_OK(fmcp_oauth_file_store_list(&fs, t_list_cb, acc));   /* no dir yet */
    CHECK_STR(acc, "");
    CHECK_OK(st.save(st.user, "https://one/mcp", "tokens", TOK, strlen(TOK)));
    CHECK_OK(st.save(st.user, "https://one/mcp", "client", CLI, strlen(CLI)));
    CHECK_OK(st.save(st.user, "https://two/mcp", "tokens", TOK, strlen(TOK)));
    for (i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, foreign[i]);
        CHECK(t_write(p, "{}", 2) == 0);
    }
    /* a damaged value file is not listed */
    snprintf(p, sizeof p, "%s/%064d_tokens.json", dir, 0);
    CHECK(t_write(p, "{", 1) == 0);
    acc[0] = 0;
    CHECK_OK(fmcp_oauth_file_store_list(&fs, t_list_cb, acc));
    CHECK(strstr(acc, "[https://one/mcp tokens]") && strstr(acc, "[https://one/mcp client]") &&
          strstr(acc, "[https://two/mcp tokens]"));
    CHECK_EQ_INT(strlen(acc), strlen("[https://one/mcp tokens][https://one/mcp client][https://two/mcp tokens]"));
    CHECK_OK(fmcp_oauth_store_clear(&st, "https://one/mcp"));
    check_load(&st, "https://one/mcp", "tokens", NULL);
    check_load(&st, "https://one/mcp", "client", NULL);
    check_load(&st, "https://two/mcp", "tokens", TOK);
    CHECK_OK(fmcp_oauth_store_clear_all(&st));
    check_load(&st, "https://two/mcp", "tokens", NULL);
    for (i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, foreign[i]);
        CHECKF(t_exists(p), "%s removed", foreign[i]);
    }
    snprintf(p, sizeof p, "%s/%064d_tokens.json", dir, 0);
    CHECK(!t_exists(p));   /* ours by name, so clear_all takes it */
    CHECK(t_exists(dir));
    /* clearing a store whose directory does not exist is fine */
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, t_dir("never"), &st));
    CHECK_OK(fmcp_oauth_store_clear_all(&st));
    CHECK_OK(fmcp_oauth_store_clear(&st, "x"));
    CHECK(!t_exists(fs.dir));
}

static void test_file_alloc_sweep(void)
{
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    char acc[1024];
    CHECK_OK(fmcp_oauth_file_store_init(&fs, &t_alloc, t_dir("sweep"), &st));
    T_ALLOC_SWEEP({
        char *d = NULL; size_t n = 0;
        t_rc = st.save(st.user, "https://x/mcp", "tokens", TOK, strlen(TOK));
        if (t_rc == 0) t_rc = st.load(st.user, &t_alloc, "https://x/mcp", "tokens", &d, &n);
        if (t_rc == 0) { CHECK(n == strlen(TOK)); fmcp_free(&t_alloc, d, n + 1); }
        if (t_rc == 0) { acc[0] = 0; t_rc = fmcp_oauth_file_store_list(&fs, t_list_cb, acc); }
        if (t_rc == 0) t_rc = fmcp_oauth_store_clear(&st, "https://x/mcp");
    });
}

/* ---- concurrent writers -------------------------------------------------- */

#define T_WRITERS 4
#define T_ROUNDS 150

/* Value j of writer w: its length depends on both, and "sum" checks it. */
static size_t t_value(int w, int j, char *buf, size_t cap)
{
    int pad = 50 + (w * 997 + j * 31) % 3000, i;
    size_t n = (size_t)snprintf(buf, cap, "{\"w\":%d,\"j\":%d,\"pad\":\"", w, j);
    for (i = 0; i < pad; i++) buf[n++] = (char)('a' + (w + i) % 26);
    n += (size_t)snprintf(buf + n, cap - n, "\",\"len\":%d}", pad);
    return n;
}

/* A loaded value is one that some writer wrote, whole. */
static int t_value_ok(const char *d, size_t n)
{
    char want[4096];
    int w = -1, j = -1;
    if (sscanf(d, "{\"w\":%d,\"j\":%d,", &w, &j) != 2 || w < 0 || w >= 2 * T_WRITERS || j < 0 || j >= T_ROUNDS)
        return 0;
    return t_value(w, j, want, sizeof want) == n && memcmp(want, d, n) == 0;
}

typedef struct t_writer { fmcp_oauth_store *st; int w; int errors; } t_writer;

static pthread_mutex_t t_done_mu = PTHREAD_MUTEX_INITIALIZER;
static int t_done;   /* writer threads finished */

static void *t_writer_thread(void *arg)
{
    t_writer *tw = (t_writer *)arg;
    char buf[4096];
    int j;
    for (j = 0; j < T_ROUNDS; j++) {
        size_t n = t_value(tw->w, j, buf, sizeof buf);
        if (tw->st->save(tw->st->user, "https://race/mcp", "tokens", buf, n) != FMCP_OK) tw->errors++;
    }
    pthread_mutex_lock(&t_done_mu);
    t_done++;
    pthread_mutex_unlock(&t_done_mu);
    return NULL;
}

/* One load; counts it, and counts it as bad when absent or torn. */
static void t_read_once(fmcp_oauth_store *st, long *loads, long *bad)
{
    char *d = NULL; size_t n = 0;
    fmcp_result r = st->load(st->user, NULL, "https://race/mcp", "tokens", &d, &n);
    (*loads)++;
    if (r != FMCP_OK || !t_value_ok(d, n)) (*bad)++;
    if (d) fmcp_free(NULL, d, n + 1);
}

/* The writers of one kind are all finished (children reaped, or threads). */
static int t_writers_done(pid_t *pids, int use_processes)
{
    int i, status, left = 0, done;
    if (!use_processes) {
        pthread_mutex_lock(&t_done_mu);
        done = t_done;
        pthread_mutex_unlock(&t_done_mu);
        return done == T_WRITERS;
    }
    for (i = 0; i < T_WRITERS; i++) {
        if (pids[i] <= 0) continue;
#ifdef _WIN32
        (void)status;
#else
        if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
            CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", i);
            pids[i] = 0;
        } else {
            left++;
        }
#endif
    }
    return left == 0;
}

/* T_WRITERS writers (processes or threads) save different values for the same
 * server while this thread loads: every load must be one whole value. */
static void race(fmcp_oauth_store *st, int use_processes)
{
    pid_t pids[T_WRITERS];
    pthread_t th[T_WRITERS];
    t_writer tw[T_WRITERS];
    long loads = 0, bad = 0;
    int i, started = 0;
    char first[4096];
    size_t n = t_value(0, 0, first, sizeof first);
    CHECK_OK(st->save(st->user, "https://race/mcp", "tokens", first, n));
    t_done = 0;
    for (i = 0; i < T_WRITERS; i++) {
        tw[i].st = st; tw[i].w = use_processes ? i : T_WRITERS + i; tw[i].errors = 0;
        pids[i] = 0;
        if (use_processes) {
#ifndef _WIN32
            pids[i] = fork();
            if (pids[i] == 0) { t_writer_thread(&tw[i]); _exit(tw[i].errors ? 1 : 0); }
            CHECK(pids[i] > 0);
            started += pids[i] > 0;
#endif
        } else {
            int ok = pthread_create(&th[i], NULL, t_writer_thread, &tw[i]) == 0;
            CHECK(ok);
            started += ok;
        }
    }
    if (started != T_WRITERS) return;
    while (!t_writers_done(pids, use_processes) || loads < 50) t_read_once(st, &loads, &bad);
    if (!use_processes) {
        for (i = 0; i < T_WRITERS; i++) {
            pthread_join(th[i], NULL);
            CHECK_EQ_INT(tw[i].errors, 0);
        }
    }
    CHECKF(bad == 0, "%ld of %ld loads were absent or torn", bad, loads);
    fprintf(stderr, "  race (%s): %ld loads, %d x %d saves\n", use_processes ? "processes" : "threads",
            loads, T_WRITERS, T_ROUNDS);
    {
        char *d = NULL; size_t dn = 0;
        CHECK_OK(st->load(st->user, NULL, "https://race/mcp", "tokens", &d, &dn));
        CHECK(d && t_value_ok(d, dn));
        if (d) fmcp_free(NULL, d, dn + 1);
    }
}

#ifndef _WIN32
static void test_file_concurrent_processes(void)
{
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    char cmd[1200];
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, t_dir("race-proc"), &st));
    race(&st, 1);
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", fs.dir);
    CHECK(system(cmd) == 0);   /* one value file, no temp files left */
}

#endif

static void test_file_concurrent_threads(void)
{
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    CHECK_OK(fmcp_oauth_file_store_init(&fs, NULL, t_dir("race-thread"), &st));
    race(&st, 0);
}

static void test_memory_concurrent_threads(void)
{
    fmcp_oauth_store *st = NULL;
#ifdef FASTMCP_NO_THREADS
    T_SKIP("FASTMCP_NO_THREADS: the memory store has no mutex");
#endif
    CHECK_OK(fmcp_oauth_memory_store_create(NULL, &st));
    if (!st) return;
    race(st, 0);
    fmcp_oauth_memory_store_destroy(st);
}

int main(void)
{
    snprintf(t_root, sizeof t_root, "/tmp/fmcp-oauth-store-XXXXXX");
#ifdef _WIN32
    {
        char tmp[MAX_PATH];
        DWORD n = GetTempPathA(sizeof tmp, tmp);
        if (n == 0 || n >= sizeof tmp) { printf("no temp dir\nRESULT 0 1 0\n"); return 1; }
        snprintf(t_root, sizeof t_root, "%sfmcp-oauth-store-%lu", tmp, (unsigned long)GetCurrentProcessId());
        t_rm_rf(t_root);   /* Wine reuses process ids */
        if (!CreateDirectoryA(t_root, NULL)) { printf("mkdir failed\nRESULT 0 1 0\n"); return 1; }
    }
#else
    if (!mkdtemp(t_root)) { printf("mkdtemp failed\nRESULT 0 1 0\n"); return 1; }
#endif
    T_RUN(test_memory_store);
    T_RUN(test_memory_alloc_sweep);
    T_RUN(test_file_store_contract);
#ifndef _WIN32
    T_RUN(test_default_dir);
    T_RUN(test_file_permissions);
    T_RUN(test_file_corrupt);
    T_RUN(test_file_links_and_owners);
#endif
    T_RUN(test_file_clear_and_list);
    T_RUN(test_file_alloc_sweep);
#ifndef _WIN32
    T_RUN(test_file_concurrent_processes);
#endif
    T_RUN(test_file_concurrent_threads);
    T_RUN(test_memory_concurrent_threads);
    t_rm_rf(t_root);
    return t_finish("oauth_store");
}
