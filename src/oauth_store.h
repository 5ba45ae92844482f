/* ---------------------------------------------------------------------------
 * oauth_store: where an OAuth client keeps its tokens and client registration
 * ---------------------------------------------------------------------------
 *
 *   fmcp_oauth_file_store fs;
 *   fmcp_oauth_store st;
 *   fmcp_oauth_file_store_init(&fs, NULL, NULL, &st);   // ~/.fastmcp/oauth-mcp-client-cache/
 *   st.save(st.user, "https://api.example.com/mcp", "tokens", json, json_len);
 *   char *data; size_t n;
 *   if (st.load(st.user, NULL, "https://api.example.com/mcp", "tokens", &data, &n) == FMCP_OK) {
 *       ...use the JSON object text...
 *       fmcp_free(NULL, data, n + 1);
 *   }
 *   fmcp_oauth_store_clear(&st, "https://api.example.com/mcp");   // one server
 *   fmcp_oauth_store_clear_all(&st);                                // everything
 *
 *   fmcp_oauth_store *mem;                     // in memory (tests, short-lived tools)
 *   fmcp_oauth_memory_store_create(NULL, &mem);
 *   ...
 *   fmcp_oauth_memory_store_destroy(mem);
 *
 * A store keeps one JSON object text per (server URL, kind). The kinds the
 * OAuth client uses are "tokens" (access/refresh token with absolute expiry)
 * and "client" (its registration); a kind is 1-32 characters of [a-z0-9_-].
 * The store does not interpret the objects; it only checks that what is saved
 * and loaded is one JSON object, so a caller never sees a damaged value.
 *
 * fmcp_oauth_store (the vtable)
 *   load: FMCP_OK with *data (allocated with fmcp_malloc(a, *len + 1),
 *   NUL-terminated, *len bytes) holding the object saved for (server_url,
 *   kind); FMCP_ERR_NOT_FOUND when absent, unreadable or not a JSON object.
 *   save: replaces the value; FMCP_ERR_PARSE when data is not a JSON object.
 *   remove: one kind, or every kind for server_url when kind is NULL; removing
 *   what is absent is FMCP_OK. clear_all: every value of this store.
 *   Any implementation may be plugged in (a keychain, a database); the
 *   functions may be called from several threads at once.
 *
 * fmcp_oauth_file_store_init(fs, alloc, dir, out)
 *   Fills the caller-owned fs (which must outlive *out) and *out. dir NULL
 *   means fmcp_oauth_default_cache_dir(). Nothing touches the disk until the
 *   first call. One file per (server URL, kind), named
 *   <sha256-hex of the URL>_<kind>.json; the URL is stored inside too and a
 *   file whose URL differs is treated as absent. Writes go to a fresh temp file
 *   (O_CREAT|O_EXCL, random name) in the same directory, are fsync'ed and
 *   renamed over the old file, so a reader or a concurrent writer never sees a
 *   torn file. The directory is created 0700 (missing parents too, 0700),
 *   files 0600. Files that are corrupt, partial, empty or larger than
 *   fs->max_file (default 1 MiB) are treated as absent.
 *   Security decision: the cache directory itself and every file must not be
 *   symbolic links and must be owned by the effective user, else the call
 *   fails with FMCP_ERR_FORBIDDEN (load: FMCP_ERR_NOT_FOUND); a cache directory
 *   we own is set back to 0700 when its mode differs. Each call opens the
 *   directory once (O_DIRECTORY|O_NOFOLLOW, checked with fstat) and works
 *   relative to that descriptor (openat, renameat, unlinkat), so replacing the
 *   path meanwhile redirects nothing. Parent directories are
 *   followed as they are (a symlinked $HOME is common). Absent with
 *   FASTMCP_NO_FILESYSTEM.
 *
 * fmcp_oauth_default_cache_dir(buf, cap)
 *   Writes "$HOME/.fastmcp/oauth-mcp-client-cache" (no trailing slash);
 *   FMCP_ERR_NOT_FOUND when HOME is unset or empty, FMCP_ERR_BUFFER_TOO_SMALL
 *   when cap is too small.
 *
 * fmcp_oauth_file_store_list(fs, cb, user)
 *   Calls cb(user, server_url, kind) for each readable value in the directory
 *   (order unspecified); a nonzero return from cb stops the walk. For tools
 *   that show what is stored (fmcp logout, examples/token_management.c).
 *
 * fmcp_oauth_store_clear(store, server_url) / fmcp_oauth_store_clear_all(store)
 *   store->remove(user, server_url, NULL) and store->clear_all(user). The file
 *   store's clear_all removes only files named by its own pattern (and its
 *   stale temp files), never anything else in the directory.
 *
 * fmcp_oauth_memory_store_create(alloc, &store) / fmcp_oauth_memory_store_destroy(store)
 *   A store in memory, guarded by a mutex (unless FASTMCP_NO_THREADS). free
 *   wipes every value and releases the store; NULL is ignored.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fmcp_oauth_store {
    /* FMCP_OK with *data (allocated with fmcp_malloc(a, ...), NUL-terminated, *len bytes) holding the
       JSON object text saved for (server_url, kind); FMCP_ERR_NOT_FOUND when absent, unreadable or
       not a JSON object. kind is "tokens" or "client". */
    fmcp_result (*load)(void *user, const fmcp_allocator *a, const char *server_url, const char *kind,
                        char **data, size_t *len);
    fmcp_result (*save)(void *user, const char *server_url, const char *kind, const char *data, size_t len);
    /* kind NULL = every kind for server_url */
    fmcp_result (*remove)(void *user, const char *server_url, const char *kind);
    fmcp_result (*clear_all)(void *user);
    void *user;
} fmcp_oauth_store;

#define FMCP_OAUTH_KIND_MAX 32
#define FMCP_OAUTH_STORE_DIR_MAX 1024
#define FMCP_OAUTH_STORE_MAX_FILE (1024u * 1024u)

FASTMCP_API fmcp_result fmcp_oauth_store_clear(const fmcp_oauth_store *store, const char *server_url);
FASTMCP_API fmcp_result fmcp_oauth_store_clear_all(const fmcp_oauth_store *store);

FASTMCP_API fmcp_result fmcp_oauth_memory_store_create(const fmcp_allocator *alloc, fmcp_oauth_store **out);
FASTMCP_API void fmcp_oauth_memory_store_destroy(fmcp_oauth_store *store);

#ifndef FASTMCP_NO_FILESYSTEM
typedef struct fmcp_oauth_file_store {
    char dir[FMCP_OAUTH_STORE_DIR_MAX];   /* cache directory, no trailing slash */
    const fmcp_allocator *alloc;          /* for temporary buffers */
    size_t max_file;                      /* larger files are ignored; 0 = 1 MiB */
} fmcp_oauth_file_store;

FASTMCP_API fmcp_result fmcp_oauth_default_cache_dir(char *buf, size_t cap);
FASTMCP_API fmcp_result fmcp_oauth_file_store_init(fmcp_oauth_file_store *fs, const fmcp_allocator *alloc,
                                                   const char *dir, fmcp_oauth_store *out);
FASTMCP_API fmcp_result fmcp_oauth_file_store_list(fmcp_oauth_file_store *fs,
                                                   int (*cb)(void *user, const char *server_url,
                                                             const char *kind),
                                                   void *user);
#endif

#ifdef __cplusplus
}
#endif
