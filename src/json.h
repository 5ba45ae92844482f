/* ---------------------------------------------------------------------------
 * json: strict RFC 8259 parser (DOM) and writer
 * ---------------------------------------------------------------------------
 *
 * Parsing
 *   fmcp_json_doc *doc; fmcp_json_error err;
 *   fmcp_json_parse_options o = {0};          // defaults: depth 64, no size cap
 *   if (fmcp_json_parse(text, len, &o, &doc, &err) != FMCP_OK)
 *       printf("%s at line %zu col %zu\n", err.message, err.line, err.column);
 *   const fmcp_json *root = fmcp_json_root(doc);
 *   const char *name = fmcp_json_get_str(root, "name", "anonymous");
 *   fmcp_json_doc_destroy(doc);
 *
 *   A document owns all its values; a value pointer is valid until the
 *   document is freed. Values are read-only, so one document may be read from
 *   several threads. Strings are unescaped, valid UTF-8 and NUL-terminated
 *   (they may contain embedded NULs: use the length).
 *
 *   What is accepted (RFC 8259, strictly): exactly one value of any type,
 *   with JSON whitespace (space, tab, CR, LF) around it. Rejected: a leading
 *   byte order mark, comments, trailing commas, single quotes, control
 *   characters in strings, invalid UTF-8 (overlong forms, UTF-16 surrogates
 *   encoded in UTF-8, code points above U+10FFFF, truncated sequences) and
 *   \u escapes that leave a surrogate unpaired. Errors give a code
 *   (FMCP_ERR_PARSE for syntax, _ENCODING for UTF-8 and surrogates, _DEPTH,
 *   _TOO_LARGE, _DUPLICATE, _NOMEM), the byte offset, a 1-based line and byte
 *   column, and a static message.
 *
 *   Numbers keep their original text (fmcp_json_number_text: not
 *   NUL-terminated, but always followed by a byte that cannot continue a
 *   number). Integers written without fraction or exponent that fit int64
 *   are exact (fmcp_json_is_int); every number also has the correctly
 *   rounded double (ties to even, independent of the C locale). A number
 *   whose magnitude rounds beyond DBL_MAX (1e309) is rejected as
 *   FMCP_ERR_PARSE; tiny ones round to subnormals or zero.
 *
 *   Options: max_depth (default 64 nested arrays/objects), max_size (bytes,
 *   checked before anything is read), reject_duplicate_keys (compares keys
 *   after unescaping; JWT headers and claims use it). Without it, lookups
 *   return the last of repeated keys.
 *
 *   Cost: a parse makes two allocations, the document (holding a private
 *   copy of the text that strings are unescaped into) and its node array
 *   (24 bytes a value; grown only for unusually dense text).
 *   reject_duplicate_keys adds a temporary table for objects over 16
 *   members. fmcp_json_next and fmcp_json_len are O(1); fmcp_json_get and
 *   fmcp_json_at are linear in the container.
 *
 * Iterating
 *   for (const fmcp_json *v = fmcp_json_first(arr); v; v = fmcp_json_next(v)) ...
 *   For objects, fmcp_json_first/next visit the member values and
 *   fmcp_json_key(v) gives each member's key.
 *
 * Equality
 *   fmcp_json_equal compares deeply: numbers by value (1, 1.0 and 1e0 are
 *   equal; an int64 and a double only when the double is exactly that
 *   integer), strings bytewise, objects regardless of member order. It
 *   recurses once per nesting level (parsing, iterating and writing do not).
 *
 * Writing
 *   fmcp_json_writer w; fmcp_jw_init(&w, NULL);      // growable buffer
 *   fmcp_jw_object_begin(&w);
 *   fmcp_jw_key(&w, "ok"); fmcp_jw_bool(&w, 1);
 *   fmcp_jw_object_end(&w);
 *   char *out; size_t n;
 *   if (fmcp_jw_finish(&w, &out, &n) == FMCP_OK) { use(out, n); fmcp_free_text(w.alloc, out, n); }
 *
 *   Errors are sticky: the first error (bad UTF-8 -> FMCP_ERR_ENCODING, NaN or
 *   infinity -> _INVALID_ARG, a value where a key is expected, a second
 *   top-level value or an unbalanced end -> _STATE, more than
 *   FASTMCP_JSON_WRITER_MAX_DEPTH levels -> _DEPTH, out of memory) is kept and
 *   returned by finish, which then gives no output and releases the buffer.
 *   The writer never emits invalid JSON. Strings: '"', '\\' and control
 *   characters are escaped (\b \f \n \r \t, else \u00XX); '/' and non-ASCII
 *   UTF-8 pass through unchanged. Doubles use the shortest of 15, 16 or 17
 *   significant digits that reads back exactly. Set w.pretty = 1 after init
 *   for 2-space indentation. fmcp_jw_value copies a parsed value (numbers by
 *   their original text); fmcp_jw_raw checks its text is exactly one JSON
 *   value before copying it.
 *   fmcp_jw_init_fixed() writes into a caller buffer; when it is too small the
 *   writer keeps counting and finish returns FMCP_ERR_BUFFER_TOO_SMALL with
 *   the needed size (including the terminating NUL) in *n; the buffer is
 *   never written past its capacity.
 *
 *   fmcp_json_write(v, buf, cap, &needed) is the fast path for parsed values:
 *   compact output, numbers copied from their original text, strings in the
 *   canonical escaping above. Parse then write reproduces compact input
 *   byte for byte when its strings use no escapes.
 *
 * Build options: FASTMCP_NO_SIMD disables the SSE2 string scanner (a
 *   portable 8-bytes-at-a-time loop is used instead).
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fmcp_json_type {
    FMCP_JSON_NULL = 0,
    FMCP_JSON_BOOL = 1,
    FMCP_JSON_NUMBER = 2,
    FMCP_JSON_STRING = 3,
    FMCP_JSON_ARRAY = 4,
    FMCP_JSON_OBJECT = 5
} fmcp_json_type;

typedef struct fmcp_json fmcp_json;         /* a value inside a document */
typedef struct fmcp_json_doc fmcp_json_doc; /* owns all values of one parse */

typedef struct fmcp_json_parse_options {
    size_t max_depth;            /* 0 = 64 */
    size_t max_size;             /* bytes; 0 = no limit */
    int reject_duplicate_keys;   /* nonzero: duplicate object keys are an error */
    const fmcp_allocator *alloc; /* NULL = default */
} fmcp_json_parse_options;

typedef struct fmcp_json_error {
    fmcp_result code;     /* FMCP_ERR_PARSE, _ENCODING, _DEPTH, _TOO_LARGE, _DUPLICATE, _NOMEM */
    size_t offset;        /* byte offset of the error */
    size_t line;          /* 1-based */
    size_t column;        /* 1-based, in bytes */
    const char *message;  /* static text */
} fmcp_json_error;

/* Parse len bytes at text (need not be NUL-terminated). opt and err may be NULL.
 * On success *out owns the document; on failure *out is NULL. */
FASTMCP_API fmcp_result fmcp_json_parse(const char *text, size_t len,
                                        const fmcp_json_parse_options *opt,
                                        fmcp_json_doc **out, fmcp_json_error *err);
FASTMCP_API void fmcp_json_doc_destroy(fmcp_json_doc *doc);
FASTMCP_API const fmcp_json *fmcp_json_root(const fmcp_json_doc *doc);

/* Type and scalar access. All accept NULL (treated as missing). */
FASTMCP_API fmcp_json_type fmcp_json_typeof(const fmcp_json *v);
FASTMCP_API int fmcp_json_is(const fmcp_json *v, fmcp_json_type t);
/* 1 if v is a number written without fraction/exponent that fits int64. */
FASTMCP_API int fmcp_json_is_int(const fmcp_json *v);
FASTMCP_API int64_t fmcp_json_int(const fmcp_json *v, int64_t def);   /* def unless is_int */
FASTMCP_API double fmcp_json_double(const fmcp_json *v, double def);  /* def unless number */
FASTMCP_API int fmcp_json_bool(const fmcp_json *v, int def);          /* def unless bool */
/* String value (NUL-terminated) and its length; NULL unless a string. */
FASTMCP_API const char *fmcp_json_str(const fmcp_json *v, size_t *len);
/* Original source text of a number; NULL unless a number. */
FASTMCP_API const char *fmcp_json_number_text(const fmcp_json *v, size_t *len);

/* Containers. */
FASTMCP_API size_t fmcp_json_len(const fmcp_json *v);               /* elements/members; 0 otherwise */
FASTMCP_API const fmcp_json *fmcp_json_first(const fmcp_json *v);   /* first element/member value */
FASTMCP_API const fmcp_json *fmcp_json_next(const fmcp_json *v);    /* next sibling inside its container */
FASTMCP_API const fmcp_json *fmcp_json_at(const fmcp_json *arr, size_t i);
/* Member key of an object member value (NULL otherwise). */
FASTMCP_API const char *fmcp_json_key(const fmcp_json *member, size_t *len);
/* Object lookup by key; the last member wins if keys repeat. NULL if absent. */
FASTMCP_API const fmcp_json *fmcp_json_get(const fmcp_json *obj, const char *key);
FASTMCP_API const fmcp_json *fmcp_json_getn(const fmcp_json *obj, const char *key, size_t key_len);

/* Typed lookups with defaults: the member if present with the right type. */
FASTMCP_API const char *fmcp_json_get_str(const fmcp_json *obj, const char *key, const char *def);
FASTMCP_API int64_t fmcp_json_get_int(const fmcp_json *obj, const char *key, int64_t def);
FASTMCP_API double fmcp_json_get_double(const fmcp_json *obj, const char *key, double def);
FASTMCP_API int fmcp_json_get_bool(const fmcp_json *obj, const char *key, int def);

/* Deep equality (numbers compared by value, objects ignoring member order). */
FASTMCP_API int fmcp_json_equal(const fmcp_json *a, const fmcp_json *b);

/* ---- writer -------------------------------------------------------------- */

#ifndef FASTMCP_JSON_WRITER_MAX_DEPTH
#define FASTMCP_JSON_WRITER_MAX_DEPTH 128
#endif

typedef struct fmcp_json_writer {
    char *buf;
    size_t len;            /* bytes produced so far (counted even past cap when fixed) */
    size_t cap;
    int fixed;             /* caller-owned buffer, never grown */
    fmcp_result err;       /* first error, sticky */
    const fmcp_allocator *alloc;
    int pretty;            /* nonzero: 2-space indentation */
    unsigned depth;
    /* per-level state: bit 0 = in object, bit 1 = has items, bit 2 = key pending */
    unsigned char state[FASTMCP_JSON_WRITER_MAX_DEPTH];
    int done;              /* one complete top-level value written */
} fmcp_json_writer;

FASTMCP_API void fmcp_jw_init(fmcp_json_writer *w, const fmcp_allocator *alloc);
FASTMCP_API void fmcp_jw_init_fixed(fmcp_json_writer *w, char *buf, size_t cap);
FASTMCP_API void fmcp_jw_object_begin(fmcp_json_writer *w);
FASTMCP_API void fmcp_jw_object_end(fmcp_json_writer *w);
FASTMCP_API void fmcp_jw_array_begin(fmcp_json_writer *w);
FASTMCP_API void fmcp_jw_array_end(fmcp_json_writer *w);
FASTMCP_API void fmcp_jw_key(fmcp_json_writer *w, const char *key);
FASTMCP_API void fmcp_jw_keyn(fmcp_json_writer *w, const char *key, size_t len);
FASTMCP_API void fmcp_jw_str(fmcp_json_writer *w, const char *s);          /* NULL writes null */
FASTMCP_API void fmcp_jw_strn(fmcp_json_writer *w, const char *s, size_t len);
FASTMCP_API void fmcp_jw_int(fmcp_json_writer *w, int64_t v);
FASTMCP_API void fmcp_jw_uint(fmcp_json_writer *w, uint64_t v);
FASTMCP_API void fmcp_jw_double(fmcp_json_writer *w, double v);            /* NaN/Inf: error */
FASTMCP_API void fmcp_jw_bool(fmcp_json_writer *w, int v);
FASTMCP_API void fmcp_jw_null(fmcp_json_writer *w);
/* A parsed value (deep copy, numbers by original text). */
FASTMCP_API void fmcp_jw_value(fmcp_json_writer *w, const fmcp_json *v);
/* Pre-serialised JSON text; validated, then copied verbatim. */
FASTMCP_API void fmcp_jw_raw(fmcp_json_writer *w, const char *json, size_t len);
/* The same without the validation, for text a writer of yours produced
 * (hot paths: the engine's cached fragments). Untrusted text: fmcp_jw_raw. */
FASTMCP_API void fmcp_jw_raw_trusted(fmcp_json_writer *w, const char *json, size_t len);
/* Finish: checks one complete value was written and containers are closed.
 * Growable mode: *out is a NUL-terminated buffer the caller releases with
 * fmcp_free_text(w->alloc, *out, *n) (or keeps; it was allocated with w->alloc,
 * size *n+1).
 * Fixed mode: *out = the caller's buffer. On error *out = NULL. */
FASTMCP_API fmcp_result fmcp_jw_finish(fmcp_json_writer *w, char **out, size_t *n);
/* Release the buffer of an unfinished or failed writer. */
FASTMCP_API void fmcp_jw_reset(fmcp_json_writer *w);

/* Serialise a value. Compact. Returns FMCP_ERR_BUFFER_TOO_SMALL with *needed
 * (bytes including NUL) when cap is too small; buf may be NULL to measure. */
FASTMCP_API fmcp_result fmcp_json_write(const fmcp_json *v, char *buf, size_t cap, size_t *needed);

#ifdef __cplusplus
}
#endif
