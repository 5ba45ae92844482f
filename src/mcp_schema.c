/* mcp_schema: implementation */
#include "base.h"
#include "json.h"
#include "mcp_schema.h"

#include <string.h>
#include <stdio.h>
#include <stdarg.h>

/* ---- compact parameter spec -> JSON Schema ------------------------------- */

typedef struct fmcp__schema_param {
    const char *name, *type;
    size_t name_len, type_len;   /* type spans "enum(a|b)" whole */
    int optional;
} fmcp__schema_param;

static void fmcp__schema_skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r') (*p)++;
}

static int fmcp__schema_is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

/* 1 = a parameter was read, 0 = end of spec, -1 = syntax error. */
static int fmcp__schema_spec_next(const char **pp, fmcp__schema_param *out)
{
    const char *p = *pp;
    fmcp__schema_skip_ws(&p);
    if (!*p) return 0;
    out->name = p;
    while (fmcp__schema_is_name_char(*p)) p++;
    out->name_len = (size_t)(p - out->name);
    if (!out->name_len) return -1;
    fmcp__schema_skip_ws(&p);
    out->optional = (*p == '?');
    if (out->optional) p++;
    fmcp__schema_skip_ws(&p);
    if (*p++ != ':') return -1;
    fmcp__schema_skip_ws(&p);
    out->type = p;
    while (*p >= 'a' && *p <= 'z') p++;
    if ((size_t)(p - out->type) == 4 && memcmp(out->type, "enum", 4) == 0) {
        if (*p != '(') return -1;
        while (*p && *p != ')') p++;
        if (*p++ != ')') return -1;
    }
    out->type_len = (size_t)(p - out->type);
    fmcp__schema_skip_ws(&p);
    if (*p == ',') p++;
    else if (*p) return -1;
    *pp = p;
    return 1;
}

static int fmcp__schema_type_known(const char *t, size_t n)
{
    static const char *const names[] = { "string", "integer", "number", "boolean", "object", "array" };
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], t, n) == 0) return 1;
    return 0;
}

/* Writes the enum words of "enum(a|b)" as a JSON array; 0 if a word is empty. */
static int fmcp__schema_write_enum(fmcp_json_writer *w, const char *t, size_t n)
{
    const char *p = t + 5, *end = t + n - 1;
    fmcp_jw_array_begin(w);
    while (p <= end) {
        const char *q = p, *e;
        while (q < end && *q != '|') q++;
        e = q;
        while (p < e && *p == ' ') p++;
        while (e > p && e[-1] == ' ') e--;
        if (e == p) return 0;
        fmcp_jw_strn(w, p, (size_t)(e - p));
        p = q + 1;
    }
    fmcp_jw_array_end(w);
    return 1;
}

FASTMCP_API fmcp_result fmcp_schema_from_spec(const char *spec, fmcp_json_writer *w)
{
    fmcp__schema_param prm;
    const char *p = spec;
    int r;
    if (!spec || !w) return FMCP_ERR_INVALID_ARG;
    fmcp_jw_object_begin(w);
    fmcp_jw_key(w, "type"); fmcp_jw_str(w, "object");
    fmcp_jw_key(w, "properties"); fmcp_jw_object_begin(w);
    while ((r = fmcp__schema_spec_next(&p, &prm)) == 1) {
        fmcp_jw_keyn(w, prm.name, prm.name_len);
        fmcp_jw_object_begin(w);
        fmcp_jw_key(w, "type");
        if (prm.type_len > 4 && memcmp(prm.type, "enum", 4) == 0) {
            fmcp_jw_str(w, "string");
            fmcp_jw_key(w, "enum");
            if (!fmcp__schema_write_enum(w, prm.type, prm.type_len)) return FMCP_ERR_PARSE;
        } else if (fmcp__schema_type_known(prm.type, prm.type_len)) {
            fmcp_jw_strn(w, prm.type, prm.type_len);
        } else {
            return FMCP_ERR_PARSE;
        }
        fmcp_jw_object_end(w);
    }
    if (r < 0) return FMCP_ERR_PARSE;
    fmcp_jw_object_end(w);
    fmcp_jw_key(w, "required"); fmcp_jw_array_begin(w);
    p = spec;
    while (fmcp__schema_spec_next(&p, &prm) == 1)
        if (!prm.optional) fmcp_jw_strn(w, prm.name, prm.name_len);
    fmcp_jw_array_end(w);
    fmcp_jw_object_end(w);
    return w->err;
}

/* ---- messages ------------------------------------------------------------ */

#ifndef FASTMCP_SMALL_SCHEMA
/* Cut an incomplete UTF-8 sequence off the end, so a truncated message stays
 * valid UTF-8 (it ends up in a JSON string). */
static void fmcp__schema_utf8_trim(char *m)
{
    size_t n = strlen(m), i = n, need;
    unsigned char c;
    while (i > 0 && ((unsigned char)m[i - 1] & 0xC0) == 0x80 && n - i < 3) i--;
    if (i == 0) return;
    c = (unsigned char)m[i - 1];
    if (c < 0x80) return;
    need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (n - (i - 1) < need) m[i - 1] = 0;
}

/* Length of a prefix of s (at most max bytes) that does not split a UTF-8
 * sequence, as an int for "%.*s". */
static int fmcp__schema_clip(const char *s, size_t n, size_t max)
{
    if (n <= max) return (int)n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return (int)n;
}

#endif

typedef struct fmcp__schema_out {
    char *p;
    size_t cap, n;
    int cut;   /* a piece did not fit: nothing more is written */
} fmcp__schema_out;

/* Appends a piece whole, or as much as fits without splitting a UTF-8
 * sequence (pieces start and end on character boundaries). */
static void fmcp__schema_put(fmcp__schema_out *o, const char *s, size_t n)
{
    size_t room = o->n + 1 < o->cap ? o->cap - o->n - 1 : 0;
    if (o->cut) return;
    if (n > room) {
        o->cut = 1;
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = 0;
}

#ifndef FASTMCP_SMALL_SCHEMA
/* the message formats below are checked like printf's (and -Wformat=2 accepts them) */
#if defined(__GNUC__) || defined(__clang__)
#define FMCP__SCHEMA_FMT(f, a) __attribute__((format(printf, f, a)))
#else
#define FMCP__SCHEMA_FMT(f, a)
#endif

static FMCP__SCHEMA_FMT(3, 0) void fmcp__schema_vset(char *msg, size_t cap, const char *fmt, va_list ap)
{
    if (!msg || !cap) return;
    vsnprintf(msg, cap, fmt, ap);
    fmcp__schema_utf8_trim(msg);
}

static FMCP__SCHEMA_FMT(3, 4) void fmcp__schema_set(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmcp__schema_vset(msg, cap, fmt, ap);
    va_end(ap);
}

/* ---- validation context -------------------------------------------------- */

typedef struct fmcp__schema_seg {
    const char *key;   /* NULL: an array index */
    size_t klen, idx;
} fmcp__schema_seg;

typedef struct fmcp__schema_cache {
    const fmcp_json *ref, *target;
} fmcp__schema_cache;

typedef struct fmcp__schema_cx {
    const fmcp_json *root;
    unsigned long evals, max_evals, work;
    unsigned depth;
    int quiet;         /* inside a branch whose failure is not the answer */
    fmcp_result rc;    /* a fatal error (a bound, an unresolvable $ref), sticky */
    char *msg;
    size_t cap, npath, ncache;
    fmcp__schema_seg path[FASTMCP_SCHEMA_MAX_DEPTH + 1];
    fmcp__schema_cache cache[8];   /* resolved $refs: trees look up the same one often */
} fmcp__schema_cx;

static void fmcp__schema_put_key(fmcp__schema_out *o, const char *k, size_t n)
{
    size_t i = 0, j;
    while (i < n) {   /* runs between RFC 6901 escapes */
        for (j = i; j < n && k[j] != '~' && k[j] != '/'; j++) {}
        fmcp__schema_put(o, k + i, j - i);
        if (j < n) fmcp__schema_put(o, k[j] == '~' ? "~0" : "~1", 2);
        i = j + 1;
    }
}

/* "#/a/0: " then the formatted text; a long pointer is cut (ending "...")
 * so that the text always fits. */
static FMCP__SCHEMA_FMT(2, 0) void fmcp__schema_vmsg(fmcp__schema_cx *cx, const char *fmt, va_list ap)
{
    fmcp__schema_out o;
    size_t i, wl;
    char num[24], what[160];
    if (!cx->msg || !cx->cap) return;
    fmcp__schema_vset(what, sizeof what, fmt, ap);
    wl = strlen(what);
    o.p = cx->msg; o.n = 0; o.cut = 0;
    o.cap = cx->cap > wl + 2 + 16 ? cx->cap - wl - 2 : cx->cap;
    cx->msg[0] = 0;
    fmcp__schema_put(&o, "#", 1);
    for (i = 0; i < cx->npath; i++) {
        const fmcp__schema_seg *g = &cx->path[i];
        fmcp__schema_put(&o, "/", 1);
        if (g->key) {
            fmcp__schema_put_key(&o, g->key, g->klen);
        } else {
            snprintf(num, sizeof num, "%lu", (unsigned long)g->idx);
            fmcp__schema_put(&o, num, strlen(num));
        }
    }
    if (o.cut && o.n >= 3 && o.cap != cx->cap) {
        while (o.n > 3 && ((unsigned char)o.p[o.n - 3] & 0xC0) == 0x80) o.n--;
        memcpy(o.p + o.n - 3, "...", 4);
    }
    o.cap = cx->cap; o.cut = 0;
    fmcp__schema_put(&o, ": ", 2);
    fmcp__schema_put(&o, what, wl);
}

/* A mismatch: returns 0; the message is kept unless a branch is speculative. */
static FMCP__SCHEMA_FMT(2, 3) int fmcp__schema_fail(fmcp__schema_cx *cx, const char *fmt, ...)
{
    va_list ap;
    if (cx->quiet || cx->rc != FMCP_OK) return 0;
    va_start(ap, fmt);
    fmcp__schema_vmsg(cx, fmt, ap);
    va_end(ap);
    return 0;
}

/* A bound or a broken schema: rejects whatever branch it happens in. */
static FMCP__SCHEMA_FMT(3, 4) int fmcp__schema_fatal(fmcp__schema_cx *cx, fmcp_result rc, const char *fmt, ...)
{
    va_list ap;
    if (cx->rc != FMCP_OK) return 0;
    cx->rc = rc;
    va_start(ap, fmt);
    fmcp__schema_vmsg(cx, fmt, ap);
    va_end(ap);
    return 0;
}

#endif /* !FASTMCP_SMALL_SCHEMA */

/* ---- walking subschemas (registration check, anchors) -------------------- */

#define FMCP__SCHEMA_WALK_DEPTH 128

/* Keywords whose value is a schema (1), an array of schemas (2), or an
 * object of schemas (3); 0 for the rest, whose values are not schemas. */
static int fmcp__schema_kw_kind(const char *k)
{
    static const char *const one[] = { "additionalProperties", "items", "contains", "not", "if", "then",
                                       "else", "propertyNames", "unevaluatedProperties",
                                       "unevaluatedItems", "additionalItems" };
    static const char *const arr[] = { "allOf", "anyOf", "oneOf", "prefixItems" };
    static const char *const map[] = { "properties", "patternProperties", "$defs", "definitions",
                                       "dependentSchemas" };
    size_t i;
    for (i = 0; i < sizeof one / sizeof one[0]; i++) if (strcmp(k, one[i]) == 0) return 1;
    for (i = 0; i < sizeof arr / sizeof arr[0]; i++) if (strcmp(k, arr[i]) == 0) return 2;
    for (i = 0; i < sizeof map / sizeof map[0]; i++) if (strcmp(k, map[i]) == 0) return 3;
    return 0;
}

/* fn returns 0 to go on, 1 to stop the walk, or a negative fmcp_result. */
typedef int (*fmcp__schema_visit_fn)(void *u, const fmcp_json *s);

static int fmcp__schema_walk(const fmcp_json *s, unsigned depth, unsigned long *work, fmcp__schema_visit_fn fn,
                             void *u)
{
    const fmcp_json *m, *x;
    int r;
    if (!fmcp_json_is(s, FMCP_JSON_OBJECT)) return 0;
    if (depth > FMCP__SCHEMA_WALK_DEPTH) return FMCP_ERR_DEPTH;
    if (++*work > FASTMCP_SCHEMA_MAX_WORK) return FMCP_ERR_TOO_LARGE;
    if ((r = fn(u, s)) != 0) return r;
    for (m = fmcp_json_first(s); m; m = fmcp_json_next(m)) {
        int kind = fmcp__schema_kw_kind(fmcp_json_key(m, NULL));
        if (kind == 1 && fmcp_json_is(m, FMCP_JSON_ARRAY)) kind = 2;   /* draft-07 "items": [...] */
        if (kind == 1) r = fmcp__schema_walk(m, depth + 1, work, fn, u);
        else if (kind == 2 && fmcp_json_is(m, FMCP_JSON_ARRAY))
            for (x = fmcp_json_first(m), r = 0; x && !r; x = fmcp_json_next(x))
                r = fmcp__schema_walk(x, depth + 1, work, fn, u);
        else if (kind == 3 && fmcp_json_is(m, FMCP_JSON_OBJECT))
            for (x = fmcp_json_first(m), r = 0; x && !r; x = fmcp_json_next(x))
                r = fmcp__schema_walk(x, depth + 1, work, fn, u);
        if (r != 0) return r;
    }
    return 0;
}

#ifndef FASTMCP_SMALL_SCHEMA

/* ---- $ref resolution ----------------------------------------------------- */

/* Decodes one fragment token (%XX, and ~0 ~1 when ptr) up to '/' or end.
 * Returns the bytes consumed, or 0 when it is malformed or too long. */
static size_t fmcp__schema_token(const char *s, size_t n, int ptr, char *out, size_t cap, size_t *len)
{
    size_t i = 0, o = 0;
    while (i < n && !(ptr && s[i] == '/')) {
        char c = s[i++];
        if (c == '%') {
            int h, l;
            if (i + 2 > n || (h = fmcp__hexval(s[i])) < 0 || (l = fmcp__hexval(s[i + 1])) < 0) return 0;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (ptr && c == '~') {
            if (i >= n || (s[i] != '0' && s[i] != '1')) return 0;
            c = s[i++] == '0' ? '~' : '/';
        }
        if (o == cap) return 0;
        out[o++] = c;
    }
    *len = o;
    return i;
}

static const fmcp_json *fmcp__schema_step(const fmcp_json *cur, const char *tok, size_t n)
{
    size_t i, idx = 0;
    if (fmcp_json_is(cur, FMCP_JSON_OBJECT)) return fmcp_json_getn(cur, tok, n);
    if (!fmcp_json_is(cur, FMCP_JSON_ARRAY) || n == 0 || n > 9 || (n > 1 && tok[0] == '0')) return NULL;
    for (i = 0; i < n; i++) {
        if (tok[i] < '0' || tok[i] > '9') return NULL;
        idx = idx * 10 + (size_t)(tok[i] - '0');
    }
    return fmcp_json_at(cur, idx);
}

/* "/a/b~1c" (the part after '#') from the root. */
static const fmcp_json *fmcp__schema_pointer(const fmcp_json *root, const char *f, size_t n)
{
    char tok[256];
    const fmcp_json *cur = root;
    size_t i = 0;
    while (cur && i < n) {
        size_t len = 0, used;
        i++;   /* the '/' */
        if (i == n || f[i] == '/') { cur = fmcp__schema_step(cur, "", 0); continue; }
        used = fmcp__schema_token(f + i, n - i, 1, tok, sizeof tok, &len);
        if (!used) return NULL;
        i += used;
        cur = fmcp__schema_step(cur, tok, len);
    }
    return cur;
}

typedef struct fmcp__schema_anchor {
    const char *name;
    size_t len;
    const fmcp_json *found;
} fmcp__schema_anchor;

static int fmcp__schema_anchor_visit(void *u, const fmcp_json *s)
{
    fmcp__schema_anchor *a = (fmcp__schema_anchor *)u;
    const char *keys[2] = { "$anchor", "$dynamicAnchor" };
    int i;
    for (i = 0; i < 2; i++) {
        size_t n = 0;
        const char *v = fmcp_json_str(fmcp_json_get(s, keys[i]), &n);
        if (v && n == a->len && memcmp(v, a->name, n) == 0) { a->found = s; return 1; }
    }
    return 0;
}

/* 1 resolved (*out), 0 local but unresolved, -1 not local, or a negative
 * fmcp_result below -1 when the anchor search hit a bound. */
static int fmcp__schema_resolve(const fmcp_json *root, const char *ref, size_t n, unsigned long *work,
                                const fmcp_json **out)
{
    const char *hash = (const char *)memchr(ref, '#', n);
    const fmcp_json *t;
    size_t flen;
    *out = NULL;
    if (n == 0) { *out = root; return 1; }   /* "" is this document */
    if (hash != ref) {   /* only the root's own $id names this document */
        size_t idlen = 0, base = hash ? (size_t)(hash - ref) : n;
        const char *id = fmcp_json_str(fmcp_json_get(root, "$id"), &idlen);
        if (id && idlen && id[idlen - 1] == '#') idlen--;
        if (!id || idlen != base || memcmp(id, ref, base) != 0) return -1;
        if (!hash) { *out = root; return 1; }
    }
    hash++;
    flen = n - (size_t)(hash - ref);
    if (flen == 0) t = root;
    else if (hash[0] == '/') t = fmcp__schema_pointer(root, hash, flen);
    else {
        char name[256];
        fmcp__schema_anchor a;
        int r;
        if (fmcp__schema_token(hash, flen, 0, name, sizeof name, &a.len) != flen) return 0;
        a.name = name; a.found = NULL;
        r = fmcp__schema_walk(root, 0, work, fmcp__schema_anchor_visit, &a);
        if (r < 0) return r;
        t = a.found;
    }
    if (!fmcp_json_is(t, FMCP_JSON_OBJECT) && !fmcp_json_is(t, FMCP_JSON_BOOL)) return 0;
    *out = t;
    return 1;
}

/* ---- registration check -------------------------------------------------- */

typedef struct fmcp__schema_chk {
    const fmcp_json *root;
    unsigned long work;
    char *msg;
    size_t cap;
} fmcp__schema_chk;

static int fmcp__schema_check_visit(void *u, const fmcp_json *s)
{
    fmcp__schema_chk *k = (fmcp__schema_chk *)u;
    const char *keys[2] = { "$ref", "$dynamicRef" };
    int i;
    for (i = 0; i < 2; i++) {
        const fmcp_json *r = fmcp_json_get(s, keys[i]), *t;
        size_t n = 0;
        const char *ref = fmcp_json_str(r, &n);
        int got;
        if (!r) continue;
        if (!ref) {
            fmcp__schema_set(k->msg, k->cap, "%s is not a string", keys[i]);
            return FMCP_ERR_INVALID_ARG;
        }
        got = fmcp__schema_resolve(k->root, ref, n, &k->work, &t);
        if (got == -1) {
            fmcp__schema_set(k->msg, k->cap, "%s \"%.*s\" is not local (references are never fetched)",
                             keys[i], fmcp__schema_clip(ref, n, 120), ref);
            return FMCP_ERR_UNSUPPORTED;
        }
        if (got == 0) {
            fmcp__schema_set(k->msg, k->cap, "%s \"%.*s\" does not resolve in this schema", keys[i],
                             fmcp__schema_clip(ref, n, 120), ref);
            return FMCP_ERR_INVALID_ARG;
        }
        if (got < 0) return got;
    }
    return 0;
}

FASTMCP_API fmcp_result fmcp_schema_check(const fmcp_json *schema, char *msg, size_t cap)
{
    fmcp__schema_chk k;
    int r;
    if (msg && cap) msg[0] = 0;
    if (fmcp_json_is(schema, FMCP_JSON_BOOL)) return FMCP_OK;
    if (!fmcp_json_is(schema, FMCP_JSON_OBJECT)) {
        fmcp__schema_set(msg, cap, "a schema is an object or a boolean");
        return FMCP_ERR_INVALID_ARG;
    }
    k.root = schema; k.work = 0; k.msg = msg; k.cap = cap;
    r = fmcp__schema_walk(schema, 0, &k.work, fmcp__schema_check_visit, &k);
    if (r == FMCP_ERR_DEPTH) fmcp__schema_set(msg, cap, "subschemas nest too deeply");
    if (r == FMCP_ERR_TOO_LARGE) fmcp__schema_set(msg, cap, "schema too large to check");
    return r < 0 ? (fmcp_result)r : FMCP_OK;
}

/* ---- validation: shared helpers ------------------------------------------ */

/* The keywords a schema uses, found in one pass over its members (a small
 * schema then costs a few comparisons, not one lookup per keyword), and the
 * groups of them present. */
enum {
    FMCP__SK_TYPE, FMCP__SK_ENUM, FMCP__SK_CONST, FMCP__SK_REF,
    FMCP__SK_DYNAMIC_REF, FMCP__SK_MINIMUM, FMCP__SK_MAXIMUM, FMCP__SK_EXCLUSIVE_MINIMUM,
    FMCP__SK_EXCLUSIVE_MAXIMUM, FMCP__SK_MULTIPLE_OF, FMCP__SK_MIN_LENGTH, FMCP__SK_MAX_LENGTH,
    FMCP__SK_ITEMS, FMCP__SK_PREFIX_ITEMS, FMCP__SK_ADDITIONAL_ITEMS, FMCP__SK_CONTAINS,
    FMCP__SK_MIN_CONTAINS, FMCP__SK_MAX_CONTAINS, FMCP__SK_MIN_ITEMS, FMCP__SK_MAX_ITEMS,
    FMCP__SK_UNIQUE_ITEMS, FMCP__SK_PROPERTIES, FMCP__SK_REQUIRED, FMCP__SK_ADDITIONAL_PROPERTIES,
    FMCP__SK_PATTERN_PROPERTIES, FMCP__SK_PROPERTY_NAMES, FMCP__SK_MIN_PROPERTIES, FMCP__SK_MAX_PROPERTIES,
    FMCP__SK_DEPENDENT_REQUIRED, FMCP__SK_DEPENDENT_SCHEMAS, FMCP__SK_ALL_OF, FMCP__SK_ANY_OF,
    FMCP__SK_ONE_OF, FMCP__SK_NOT, FMCP__SK_IF, FMCP__SK_THEN,
    FMCP__SK_ELSE, FMCP__SK_UNEVALUATED_PROPERTIES, FMCP__SK_UNEVALUATED_ITEMS,
    FMCP__SK_COUNT
};
enum {
    FMCP__SG_GEN = 1, FMCP__SG_REF = 2, FMCP__SG_NUM = 4, FMCP__SG_STR = 8, FMCP__SG_ARR = 16,
    FMCP__SG_OBJ = 32, FMCP__SG_LOGIC = 64, FMCP__SG_UNEVAL = 128
};

static unsigned fmcp__schema_keywords(const fmcp_json *s, const fmcp_json **kv)
{
    static const struct { const char *k; unsigned char g; } kw[FMCP__SK_COUNT] = {
        { "type", FMCP__SG_GEN }, { "enum", FMCP__SG_GEN }, { "const", FMCP__SG_GEN },
        { "$ref", FMCP__SG_REF }, { "$dynamicRef", FMCP__SG_REF }, { "minimum", FMCP__SG_NUM },
        { "maximum", FMCP__SG_NUM }, { "exclusiveMinimum", FMCP__SG_NUM }, { "exclusiveMaximum", FMCP__SG_NUM },
        { "multipleOf", FMCP__SG_NUM }, { "minLength", FMCP__SG_STR }, { "maxLength", FMCP__SG_STR },
        { "items", FMCP__SG_ARR }, { "prefixItems", FMCP__SG_ARR }, { "additionalItems", FMCP__SG_ARR },
        { "contains", FMCP__SG_ARR }, { "minContains", 0 }, { "maxContains", 0 },
        { "minItems", FMCP__SG_ARR }, { "maxItems", FMCP__SG_ARR }, { "uniqueItems", FMCP__SG_ARR },
        { "properties", FMCP__SG_OBJ }, { "required", FMCP__SG_OBJ }, { "additionalProperties", FMCP__SG_OBJ },
        { "patternProperties", 0 }, { "propertyNames", FMCP__SG_OBJ }, { "minProperties", FMCP__SG_OBJ },
        { "maxProperties", FMCP__SG_OBJ }, { "dependentRequired", FMCP__SG_OBJ }, { "dependentSchemas", FMCP__SG_OBJ },
        { "allOf", FMCP__SG_LOGIC }, { "anyOf", FMCP__SG_LOGIC }, { "oneOf", FMCP__SG_LOGIC },
        { "not", FMCP__SG_LOGIC }, { "if", FMCP__SG_LOGIC }, { "then", 0 },
        { "else", 0 }, { "unevaluatedProperties", FMCP__SG_UNEVAL }, { "unevaluatedItems", FMCP__SG_UNEVAL }
    };
    const fmcp_json *m;
    unsigned g = 0;
    size_t i;
    for (i = 0; i < FMCP__SK_COUNT; i++) kv[i] = NULL;
    for (m = fmcp_json_first(s); m; m = fmcp_json_next(m)) {
        const char *k = fmcp_json_key(m, NULL);
        for (i = 0; i < FMCP__SK_COUNT; i++)
            if (kw[i].k[0] == k[0] && strcmp(kw[i].k, k) == 0) { g |= kw[i].g; kv[i] = m; break; }
    }
    return g;
}


static int fmcp__schema_eval(fmcp__schema_cx *cx, const fmcp_json *s, const fmcp_json *v);

/* A NULL instance is MCP's absent "arguments": an empty object. */
static fmcp_json_type fmcp__schema_typeof(const fmcp_json *v)
{
    return v ? fmcp_json_typeof(v) : FMCP_JSON_OBJECT;
}

static const char *fmcp__schema_type_name(const fmcp_json *v)
{
    switch (fmcp__schema_typeof(v)) {
    case FMCP_JSON_NULL: return "null";
    case FMCP_JSON_BOOL: return "boolean";
    case FMCP_JSON_NUMBER: return "number";
    case FMCP_JSON_STRING: return "string";
    case FMCP_JSON_ARRAY: return "array";
    default: return "object";
    }
}

static int fmcp__schema_over_work(fmcp__schema_cx *cx)
{
    return fmcp__schema_fatal(cx, FMCP_ERR_TOO_LARGE, "validation needs more than %lu comparisons",
                              (unsigned long)FASTMCP_SCHEMA_MAX_WORK);
}

/* Counts a comparison of n units; 0 once over FASTMCP_SCHEMA_MAX_WORK. n is a
 * size_t and work an unsigned long (32 bits on Win64), so it saturates. */
static int fmcp__schema_add_work(fmcp__schema_cx *cx, size_t n)
{
    cx->work += n >= FASTMCP_SCHEMA_MAX_WORK ? (unsigned long)FASTMCP_SCHEMA_MAX_WORK + 1 : (unsigned long)n + 1;
    return cx->work <= FASTMCP_SCHEMA_MAX_WORK;
}

/* Evaluate s against a member (key) or an element (key NULL, index idx),
 * with the instance location extended for messages. */
static int fmcp__schema_child(fmcp__schema_cx *cx, const fmcp_json *s, const fmcp_json *v, const char *key,
                              size_t klen, size_t idx)
{
    size_t np = cx->npath;
    int ok;
    if (np < sizeof cx->path / sizeof cx->path[0]) {
        cx->path[np].key = key;
        cx->path[np].klen = klen;
        cx->path[np].idx = idx;
        cx->npath = np + 1;
    }
    ok = fmcp__schema_eval(cx, s, v);
    cx->npath = np;
    return ok;
}

/* How many schemas of arr v matches, stopping at stop; failures are quiet. */
static size_t fmcp__schema_matches(fmcp__schema_cx *cx, const fmcp_json *arr, const fmcp_json *v, size_t stop)
{
    size_t hits = 0;
    const fmcp_json *b;
    cx->quiet++;
    for (b = fmcp_json_first(arr); b && hits < stop && cx->rc == FMCP_OK; b = fmcp_json_next(b))
        if (fmcp__schema_eval(cx, b, v)) hits++;
    cx->quiet--;
    return hits;
}

static size_t fmcp__schema_code_points(const char *s, size_t n)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* ---- validation: type, enum, const --------------------------------------- */

static int fmcp__schema_integral(const fmcp_json *v)
{
    double d;
    if (fmcp_json_is_int(v)) return 1;
    d = fmcp_json_double(v, 0.5);
    if (d >= 9007199254740992.0 || d <= -9007199254740992.0) return 1;   /* 2^53: all integral */
    return d == (double)(int64_t)d;
}

static int fmcp__schema_type_is(const fmcp_json *v, const char *t)
{
    fmcp_json_type jt = fmcp__schema_typeof(v);
    if (strcmp(t, "string") == 0) return jt == FMCP_JSON_STRING;
    if (strcmp(t, "number") == 0) return jt == FMCP_JSON_NUMBER;
    if (strcmp(t, "integer") == 0) return jt == FMCP_JSON_NUMBER && fmcp__schema_integral(v);
    if (strcmp(t, "boolean") == 0) return jt == FMCP_JSON_BOOL;
    if (strcmp(t, "object") == 0) return jt == FMCP_JSON_OBJECT;
    if (strcmp(t, "array") == 0) return jt == FMCP_JSON_ARRAY;
    if (strcmp(t, "null") == 0) return jt == FMCP_JSON_NULL;
    return 1;   /* unknown type names do not reject */
}

static int fmcp__schema_type(fmcp__schema_cx *cx, const fmcp_json *type, const fmcp_json *v)
{
    const fmcp_json *t;
    const char *name = fmcp_json_str(type, NULL);
    if (name) {
        if (fmcp__schema_type_is(v, name)) return 1;
        return fmcp__schema_fail(cx, "expected %s, got %s", name, fmcp__schema_type_name(v));
    }
    if (!fmcp_json_is(type, FMCP_JSON_ARRAY)) return 1;
    for (t = fmcp_json_first(type); t; t = fmcp_json_next(t))
        if (fmcp_json_is(t, FMCP_JSON_STRING) && fmcp__schema_type_is(v, fmcp_json_str(t, NULL))) return 1;
    return fmcp__schema_fail(cx, "%s is not one of the allowed types", fmcp__schema_type_name(v));
}

static int fmcp__schema_generic(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    const fmcp_json *x = kv[FMCP__SK_TYPE], *e;
    if (x && !fmcp__schema_type(cx, x, v)) return 0;
    if (fmcp_json_is(x = kv[FMCP__SK_ENUM], FMCP_JSON_ARRAY)) {
        for (e = fmcp_json_first(x); e; e = fmcp_json_next(e)) {
            if (!fmcp__schema_add_work(cx, fmcp_json_len(e))) return fmcp__schema_over_work(cx);
            if (fmcp_json_equal(v, e)) break;
        }
        if (!e) return fmcp__schema_fail(cx, "value is not one of the enum values");
    }
    if ((x = kv[FMCP__SK_CONST]) != NULL && !fmcp_json_equal(v, x))
        return fmcp__schema_fail(cx, "value differs from const");
    return 1;
}

/* ---- validation: numbers ------------------------------------------------- */

static int fmcp__schema_push(uint64_t *s, char c)
{
    uint64_t d = (uint64_t)(c - '0');
    if (*s > (UINT64_MAX - d) / 10) return 0;
    *s = *s * 10 + d;
    return 1;
}

/* The number's text as sig * 10^exp; 0 when sig needs more than 64 bits. */
static int fmcp__schema_decimal(const fmcp_json *v, uint64_t *sig, long *exp)
{
    size_t n = 0, i = 0;
    const char *t = fmcp_json_number_text(v, &n);
    uint64_t s = 0;
    long e = 0, x = 0;
    int xneg = 0;
    if (!t) return 0;
    if (i < n && t[i] == '-') i++;
    for (; i < n && t[i] >= '0' && t[i] <= '9'; i++)
        if (!fmcp__schema_push(&s, t[i])) return 0;
    if (i < n && t[i] == '.')
        for (i++; i < n && t[i] >= '0' && t[i] <= '9'; i++, e--)
            if (!fmcp__schema_push(&s, t[i])) return 0;
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-')) xneg = t[i++] == '-';
        for (; i < n && t[i] >= '0' && t[i] <= '9'; i++)
            if ((x = x * 10 + (t[i] - '0')) > 1000) return 0;
    }
    e += xneg ? -x : x;
    while (s && s % 10 == 0) { s /= 10; e++; }
    *sig = s;
    *exp = e;
    return 1;
}

static uint64_t fmcp__schema_addmod(uint64_t a, uint64_t b, uint64_t m)
{
    return a >= m - b ? a - (m - b) : a + b;   /* a, b < m: no overflow */
}

static uint64_t fmcp__schema_mulmod(uint64_t a, uint64_t b, uint64_t m)
{
    uint64_t r = 0;
    a %= m;
    while (b) {
        if (b & 1) r = fmcp__schema_addmod(r, a, m);
        a = fmcp__schema_addmod(a, a, m);
        b >>= 1;
    }
    return r;
}

/* Is v an integer multiple of m (> 0)? Exact on the decimal text. */
static int fmcp__schema_multiple(const fmcp_json *v, const fmcp_json *m)
{
    uint64_t sv, sm;
    long ev, em, k;
    if (fmcp__schema_decimal(v, &sv, &ev) && fmcp__schema_decimal(m, &sm, &em) && sm) {
        if (sv == 0) return 1;
        if (ev >= em) {   /* sv * 10^(ev-em) mod sm, by square and multiply */
            uint64_t p = 1 % sm, b = 10 % sm;
            for (k = ev - em; k; k >>= 1) {
                if (k & 1) p = fmcp__schema_mulmod(p, b, sm);
                b = fmcp__schema_mulmod(b, b, sm);
            }
            return fmcp__schema_mulmod(sv % sm, p, sm) == 0;
        }
        for (k = 0; k < em - ev; k++) {   /* the divisor grows past sv: no multiple */
            if (sm > UINT64_MAX / 10) return 0;
            sm *= 10;
        }
        return sv % sm == 0;
    }
    {
        double q = fmcp_json_double(v, 0) / fmcp_json_double(m, 1);
        if (!(q - q == 0)) return 0;   /* overflowed to infinity */
        if (q >= 9007199254740992.0 || q <= -9007199254740992.0) return 1;
        return q == (double)(int64_t)q;
    }
}

static int fmcp__schema_cmp(const fmcp_json *a, const fmcp_json *b)
{
    if (fmcp_json_is_int(a) && fmcp_json_is_int(b)) {
        int64_t x = fmcp_json_int(a, 0), y = fmcp_json_int(b, 0);
        return x < y ? -1 : x > y;
    } else {
        double x = fmcp_json_double(a, 0), y = fmcp_json_double(b, 0);
        return x < y ? -1 : x > y;
    }
}

static int fmcp__schema_ntext(const fmcp_json *v, const char **t)
{
    size_t n = 0;
    *t = fmcp_json_number_text(v, &n);
    if (!*t) { *t = "?"; n = 1; }
    return n > 40 ? 40 : (int)n;
}

static int fmcp__schema_number(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    static const int keys[4] = { FMCP__SK_MINIMUM, FMCP__SK_MAXIMUM, FMCP__SK_EXCLUSIVE_MINIMUM, FMCP__SK_EXCLUSIVE_MAXIMUM };
    static const char *const says[4] = { "less than the minimum", "greater than the maximum",
                                         "not greater than the exclusive minimum",
                                         "not less than the exclusive maximum" };
    const fmcp_json *b;
    const char *vt, *bt;
    int i, vn, bn;
    for (i = 0; i < 4; i++) {
        int c, bad;
        b = kv[keys[i]];
        if (!fmcp_json_is(b, FMCP_JSON_NUMBER)) continue;   /* draft-04 booleans are ignored */
        c = fmcp__schema_cmp(v, b);
        bad = i == 0 ? c < 0 : i == 1 ? c > 0 : i == 2 ? c <= 0 : c >= 0;
        if (!bad) continue;
        vn = fmcp__schema_ntext(v, &vt);
        bn = fmcp__schema_ntext(b, &bt);
        return fmcp__schema_fail(cx, "%.*s is %s %.*s", vn, vt, says[i], bn, bt);
    }
    b = kv[FMCP__SK_MULTIPLE_OF];
    if (fmcp_json_double(b, 0) > 0 && !fmcp__schema_multiple(v, b)) {
        vn = fmcp__schema_ntext(v, &vt);
        bn = fmcp__schema_ntext(b, &bt);
        return fmcp__schema_fail(cx, "%.*s is not a multiple of %.*s", vn, vt, bn, bt);
    }
    return 1;
}

/* ---- validation: strings and arrays -------------------------------------- */

static int fmcp__schema_string(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    size_t n = 0;
    const char *str = fmcp_json_str(v, &n);
    double lo = fmcp_json_double(kv[FMCP__SK_MIN_LENGTH], -1), hi = fmcp_json_double(kv[FMCP__SK_MAX_LENGTH], -1);
    unsigned long k = (unsigned long)fmcp__schema_code_points(str, n);
    if (lo >= 0 && (double)k < lo)
        return fmcp__schema_fail(cx, "string of %lu characters is shorter than minLength %.0f", k, lo);
    if (hi >= 0 && (double)k > hi)
        return fmcp__schema_fail(cx, "string of %lu characters is longer than maxLength %.0f", k, hi);
    return 1;
}

static int fmcp__schema_items(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    const fmcp_json *pre = kv[FMCP__SK_PREFIX_ITEMS], *items = kv[FMCP__SK_ITEMS], *p, *x;
    size_t i = 0;
    if (fmcp_json_is(items, FMCP_JSON_ARRAY)) {   /* draft-07 tuple form */
        if (!pre) pre = items;
        items = pre == items ? kv[FMCP__SK_ADDITIONAL_ITEMS] : NULL;
    }
    if (!fmcp_json_is(pre, FMCP_JSON_ARRAY)) pre = NULL;
    p = fmcp_json_first(pre);
    for (x = fmcp_json_first(v); x; x = fmcp_json_next(x), i++) {
        const fmcp_json *sub = p ? p : items;
        if (p) p = fmcp_json_next(p);
        if (sub && !fmcp__schema_child(cx, sub, x, NULL, 0, i)) return 0;
    }
    return 1;
}

static int fmcp__schema_contains(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    const fmcp_json *c = kv[FMCP__SK_CONTAINS], *x;
    double lo = fmcp_json_double(kv[FMCP__SK_MIN_CONTAINS], 1), hi = fmcp_json_double(kv[FMCP__SK_MAX_CONTAINS], -1);
    unsigned long hits = 0;
    size_t i = 0;
    if (!c) return 1;
    cx->quiet++;
    for (x = fmcp_json_first(v); x && cx->rc == FMCP_OK; x = fmcp_json_next(x), i++)
        if (fmcp__schema_child(cx, c, x, NULL, 0, i)) hits++;
    cx->quiet--;
    if (cx->rc != FMCP_OK) return 0;
    if ((double)hits < lo)
        return fmcp__schema_fail(cx, "%lu items match 'contains', fewer than %.0f", hits, lo);
    if (hi >= 0 && (double)hits > hi)
        return fmcp__schema_fail(cx, "%lu items match 'contains', more than maxContains %.0f", hits, hi);
    return 1;
}

static int fmcp__schema_unique(fmcp__schema_cx *cx, const fmcp_json *v)
{
    const fmcp_json *a, *b;
    unsigned long i = 0, j;
    for (a = fmcp_json_first(v); a; a = fmcp_json_next(a), i++)
        for (b = fmcp_json_next(a), j = i + 1; b; b = fmcp_json_next(b), j++) {
            if (!fmcp__schema_add_work(cx, fmcp_json_len(a))) return fmcp__schema_over_work(cx);
            if (fmcp_json_equal(a, b)) return fmcp__schema_fail(cx, "items %lu and %lu are equal (uniqueItems)", i, j);
        }
    return 1;
}

static int fmcp__schema_array(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    unsigned long n = (unsigned long)fmcp_json_len(v);
    double lo = fmcp_json_double(kv[FMCP__SK_MIN_ITEMS], -1), hi = fmcp_json_double(kv[FMCP__SK_MAX_ITEMS], -1);
    if (lo >= 0 && (double)n < lo) return fmcp__schema_fail(cx, "%lu items, fewer than minItems %.0f", n, lo);
    if (hi >= 0 && (double)n > hi) return fmcp__schema_fail(cx, "%lu items, more than maxItems %.0f", n, hi);
    if (fmcp_json_bool(kv[FMCP__SK_UNIQUE_ITEMS], 0) && !fmcp__schema_unique(cx, v)) return 0;
    return fmcp__schema_items(cx, kv, v) && fmcp__schema_contains(cx, kv, v);
}

/* ---- validation: objects ------------------------------------------------- */

static int fmcp__schema_required(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    const fmcp_json *x;
    for (x = fmcp_json_first(kv[FMCP__SK_REQUIRED]); x; x = fmcp_json_next(x)) {
        size_t n = 0;
        const char *name = fmcp_json_str(x, &n);
        if (name && !fmcp_json_getn(v, name, n))
            return fmcp__schema_fail(cx, "missing required property '%.*s'", fmcp__schema_clip(name, n, 64), name);
    }
    return 1;
}

static int fmcp__schema_props(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    const fmcp_json *props = kv[FMCP__SK_PROPERTIES], *add = kv[FMCP__SK_ADDITIONAL_PROPERTIES], *m;
    if (!fmcp_json_is(props, FMCP_JSON_OBJECT)) props = NULL;
    if (kv[FMCP__SK_PATTERN_PROPERTIES]) add = NULL;   /* which members patterns match is unknown */
    for (m = fmcp_json_first(v); m; m = fmcp_json_next(m)) {
        size_t n = 0;
        const char *k = fmcp_json_key(m, &n);
        const fmcp_json *ps = props ? fmcp_json_getn(props, k, n) : NULL;
        if (ps) {
            if (!fmcp__schema_child(cx, ps, m, k, n, 0)) return 0;
        } else if (fmcp_json_is(add, FMCP_JSON_BOOL) && !fmcp_json_bool(add, 1)) {
            return fmcp__schema_fail(cx, "property '%.*s' is not allowed", fmcp__schema_clip(k, n, 64), k);
        } else if (add && !fmcp__schema_child(cx, add, m, k, n, 0)) {
            return 0;
        }
    }
    return 1;
}

/* propertyNames: booleans and the string keywords minLength, maxLength,
 * enum and const (a key is not a parsed value the evaluator could take). */
static int fmcp__schema_name_ok(const fmcp_json *pn, const char *k, size_t n)
{
    const fmcp_json *e;
    size_t cps = fmcp__schema_code_points(k, n), en = 0;
    const char *es;
    if (fmcp_json_is(pn, FMCP_JSON_BOOL)) return fmcp_json_bool(pn, 1);
    if ((double)cps < fmcp_json_get_double(pn, "minLength", 0)) return 0;
    if (fmcp_json_get(pn, "maxLength") && (double)cps > fmcp_json_get_double(pn, "maxLength", 0)) return 0;
    if ((e = fmcp_json_get(pn, "const")) != NULL)
        if (!(es = fmcp_json_str(e, &en)) || en != n || memcmp(es, k, n) != 0) return 0;
    if (!fmcp_json_is(e = fmcp_json_get(pn, "enum"), FMCP_JSON_ARRAY)) return 1;
    for (e = fmcp_json_first(e); e; e = fmcp_json_next(e))
        if ((es = fmcp_json_str(e, &en)) != NULL && en == n && memcmp(es, k, n) == 0) return 1;
    return 0;
}

static int fmcp__schema_deps(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    const fmcp_json *d = kv[FMCP__SK_DEPENDENT_REQUIRED], *m, *x;
    size_t n, xn;
    const char *k, *name;
    for (m = fmcp_json_is(d, FMCP_JSON_OBJECT) ? fmcp_json_first(d) : NULL; m; m = fmcp_json_next(m)) {
        k = fmcp_json_key(m, &n);
        if (!fmcp_json_getn(v, k, n)) continue;
        for (x = fmcp_json_first(m); x; x = fmcp_json_next(x))
            if ((name = fmcp_json_str(x, &xn)) != NULL && !fmcp_json_getn(v, name, xn))
                return fmcp__schema_fail(cx, "property '%.*s' requires property '%.*s'", fmcp__schema_clip(k, n, 64),
                                         k, fmcp__schema_clip(name, xn, 64), name);
    }
    d = kv[FMCP__SK_DEPENDENT_SCHEMAS];
    for (m = fmcp_json_is(d, FMCP_JSON_OBJECT) ? fmcp_json_first(d) : NULL; m; m = fmcp_json_next(m)) {
        k = fmcp_json_key(m, &n);
        if (fmcp_json_getn(v, k, n) && !fmcp__schema_eval(cx, m, v)) return 0;
    }
    return 1;
}

static int fmcp__schema_object(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    unsigned long n = (unsigned long)fmcp_json_len(v);
    double lo = fmcp_json_double(kv[FMCP__SK_MIN_PROPERTIES], -1), hi = fmcp_json_double(kv[FMCP__SK_MAX_PROPERTIES], -1);
    const fmcp_json *pn = kv[FMCP__SK_PROPERTY_NAMES], *m;
    if (lo >= 0 && (double)n < lo) return fmcp__schema_fail(cx, "%lu properties, fewer than minProperties %.0f", n, lo);
    if (hi >= 0 && (double)n > hi) return fmcp__schema_fail(cx, "%lu properties, more than maxProperties %.0f", n, hi);
    if (!fmcp__schema_required(cx, kv, v) || !fmcp__schema_props(cx, kv, v)) return 0;
    for (m = pn ? fmcp_json_first(v) : NULL; m; m = fmcp_json_next(m)) {
        size_t kn = 0;
        const char *k = fmcp_json_key(m, &kn);
        if (!fmcp__schema_name_ok(pn, k, kn))
            return fmcp__schema_fail(cx, "property name '%.*s' does not satisfy propertyNames",
                                     fmcp__schema_clip(k, kn, 64), k);
    }
    return fmcp__schema_deps(cx, kv, v);
}

/* ---- validation: composition and references ------------------------------ */

static int fmcp__schema_logic(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    const fmcp_json *x, *b;
    size_t hits;
    int ok;
    for (b = fmcp_json_first(kv[FMCP__SK_ALL_OF]); b; b = fmcp_json_next(b))
        if (!fmcp__schema_eval(cx, b, v)) return 0;
    if (fmcp_json_is(x = kv[FMCP__SK_ANY_OF], FMCP_JSON_ARRAY)) {
        hits = fmcp__schema_matches(cx, x, v, 1);
        if (cx->rc != FMCP_OK) return 0;
        if (!hits) return fmcp__schema_fail(cx, "matches none of the anyOf schemas");
    }
    if (fmcp_json_is(x = kv[FMCP__SK_ONE_OF], FMCP_JSON_ARRAY)) {
        hits = fmcp__schema_matches(cx, x, v, 2);
        if (cx->rc != FMCP_OK) return 0;
        if (hits != 1)
            return fmcp__schema_fail(cx, "matches %s of the oneOf schemas (exactly one must)", hits ? "several" : "none");
    }
    if ((x = kv[FMCP__SK_NOT]) != NULL) {
        cx->quiet++;
        ok = fmcp__schema_eval(cx, x, v);
        cx->quiet--;
        if (cx->rc != FMCP_OK) return 0;
        if (ok) return fmcp__schema_fail(cx, "must not match the 'not' schema");
    }
    if ((x = kv[FMCP__SK_IF]) != NULL) {
        cx->quiet++;
        ok = fmcp__schema_eval(cx, x, v);
        cx->quiet--;
        if (cx->rc != FMCP_OK) return 0;
        x = kv[ok ? FMCP__SK_THEN : FMCP__SK_ELSE];
        if (x && !fmcp__schema_eval(cx, x, v)) return 0;
    }
    return 1;
}

static const fmcp_json *fmcp__schema_target(fmcp__schema_cx *cx, const char *kw, const fmcp_json *r)
{
    const fmcp_json *t = NULL;
    size_t i, n = 0;
    const char *ref = fmcp_json_str(r, &n);
    int got;
    for (i = 0; i < cx->ncache; i++)
        if (cx->cache[i].ref == r) return cx->cache[i].target;
    if (!ref) {
        fmcp__schema_fatal(cx, FMCP_ERR_INVALID_ARG, "%s is not a string", kw);
        return NULL;
    }
    got = fmcp__schema_resolve(cx->root, ref, n, &cx->work, &t);
    if (got == -1)
        fmcp__schema_fatal(cx, FMCP_ERR_UNSUPPORTED, "%s \"%.*s\" is not local (references are never fetched)", kw,
                           fmcp__schema_clip(ref, n, 100), ref);
    else if (got == 0)
        fmcp__schema_fatal(cx, FMCP_ERR_NOT_FOUND, "%s \"%.*s\" does not resolve", kw, fmcp__schema_clip(ref, n, 100),
                           ref);
    else if (got < 0)
        fmcp__schema_fatal(cx, (fmcp_result)got, "%s \"%.*s\": the anchor search hit a bound", kw,
                           fmcp__schema_clip(ref, n, 100), ref);
    if (got != 1) return NULL;
    cx->cache[cx->ncache % 8].ref = r;
    cx->cache[cx->ncache % 8].target = t;
    if (cx->ncache < 8) cx->ncache++;
    return t;
}

static int fmcp__schema_ref(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v)
{
    static const char *const keys[2] = { "$ref", "$dynamicRef" };
    int i;
    for (i = 0; i < 2; i++) {
        const fmcp_json *r = kv[i ? FMCP__SK_DYNAMIC_REF : FMCP__SK_REF], *t;
        if (!r) continue;
        if ((t = fmcp__schema_target(cx, keys[i], r)) == NULL || !fmcp__schema_eval(cx, t, v)) return 0;
    }
    return 1;
}

/* ---- validation: unevaluatedProperties / unevaluatedItems --------------- */

static int fmcp__schema_seen(fmcp__schema_cx *cx, const fmcp_json *s, const fmcp_json *v, const char *k, size_t n,
                             size_t idx, int top);

/* Did a subschema of arr (all of them: every = 1; else those v validates
 * against) evaluate the member or item? */
static int fmcp__schema_seen_in(fmcp__schema_cx *cx, const fmcp_json *arr, const fmcp_json *v, const char *k,
                                size_t n, size_t idx, int every)
{
    const fmcp_json *b;
    for (b = fmcp_json_first(arr); b && cx->rc == FMCP_OK; b = fmcp_json_next(b)) {
        int ok = 1;
        if (!every) {
            cx->quiet++;
            ok = fmcp__schema_eval(cx, b, v);
            cx->quiet--;
        }
        if (ok && fmcp__schema_seen(cx, b, v, k, n, idx, 0)) return 1;
    }
    return 0;
}

/* The keywords of s itself that evaluate member k (or item idx when k is
 * NULL); patternProperties counts as evaluating every member (no regex). */
static int fmcp__schema_seen_here(fmcp__schema_cx *cx, const fmcp_json **kv, const fmcp_json *v, const char *k,
                                  size_t n, size_t idx, int top)
{
    const fmcp_json *it = kv[FMCP__SK_ITEMS];
    int ok;
    if (k) return (kv[FMCP__SK_PROPERTIES] && fmcp_json_getn(kv[FMCP__SK_PROPERTIES], k, n)) ||
                  kv[FMCP__SK_PATTERN_PROPERTIES] || kv[FMCP__SK_ADDITIONAL_PROPERTIES] ||
                  (!top && kv[FMCP__SK_UNEVALUATED_PROPERTIES]);
    if (idx < fmcp_json_len(kv[FMCP__SK_PREFIX_ITEMS])) return 1;
    if (it && (!fmcp_json_is(it, FMCP_JSON_ARRAY) || idx < fmcp_json_len(it) || kv[FMCP__SK_ADDITIONAL_ITEMS])) return 1;
    if (!top && kv[FMCP__SK_UNEVALUATED_ITEMS]) return 1;
    if (!kv[FMCP__SK_CONTAINS]) return 0;
    cx->quiet++;
    ok = fmcp__schema_eval(cx, kv[FMCP__SK_CONTAINS], fmcp_json_at(v, idx));
    cx->quiet--;
    return ok;
}

/* Was member k (item idx when k is NULL) of v evaluated by s or the in-place
 * subschemas of s that v validates against (2020-12 section 11)? */
static int fmcp__schema_seen(fmcp__schema_cx *cx, const fmcp_json *s, const fmcp_json *v, const char *k, size_t n,
                             size_t idx, int top)
{
    const fmcp_json *kv[FMCP__SK_COUNT], *x, *m;
    int r, ok, i;
    if (!fmcp_json_is(s, FMCP_JSON_OBJECT) || cx->rc != FMCP_OK) return 0;
    if (++cx->evals > cx->max_evals || cx->depth >= FASTMCP_SCHEMA_MAX_DEPTH) return fmcp__schema_eval(cx, s, v);
    fmcp__schema_keywords(s, kv);
    if (fmcp__schema_seen_here(cx, kv, v, k, n, idx, top)) return 1;
    cx->depth++;
    r = fmcp__schema_seen_in(cx, kv[FMCP__SK_ALL_OF], v, k, n, idx, 1) ||
        fmcp__schema_seen_in(cx, kv[FMCP__SK_ANY_OF], v, k, n, idx, 0) ||
        fmcp__schema_seen_in(cx, kv[FMCP__SK_ONE_OF], v, k, n, idx, 0);
    for (i = 0; i < 2 && !r && cx->rc == FMCP_OK; i++)
        if ((x = kv[i ? FMCP__SK_DYNAMIC_REF : FMCP__SK_REF]) != NULL) {
            const fmcp_json *t = fmcp__schema_target(cx, i ? "$dynamicRef" : "$ref", x);
            r = t && fmcp__schema_seen(cx, t, v, k, n, idx, 0);
        }
    if (!r && (x = kv[FMCP__SK_IF]) != NULL && cx->rc == FMCP_OK) {
        cx->quiet++;
        ok = fmcp__schema_eval(cx, x, v);
        cx->quiet--;
        r = ok ? fmcp__schema_seen(cx, x, v, k, n, idx, 0) || fmcp__schema_seen(cx, kv[FMCP__SK_THEN], v, k, n, idx, 0)
               : fmcp__schema_seen(cx, kv[FMCP__SK_ELSE], v, k, n, idx, 0);
    }
    x = kv[FMCP__SK_DEPENDENT_SCHEMAS];
    for (m = fmcp_json_is(x, FMCP_JSON_OBJECT) ? fmcp_json_first(x) : NULL; m && !r; m = fmcp_json_next(m)) {
        size_t dn = 0;
        const char *dk = fmcp_json_key(m, &dn);
        r = fmcp_json_getn(v, dk, dn) && fmcp__schema_seen(cx, m, v, k, n, idx, 0);
    }
    cx->depth--;
    return r && cx->rc == FMCP_OK;
}

/* Runs after every other keyword of s passed, as the annotations require. */
static int fmcp__schema_uneval(fmcp__schema_cx *cx, const fmcp_json *s, const fmcp_json **kv, const fmcp_json *v)
{
    const fmcp_json *up = kv[FMCP__SK_UNEVALUATED_PROPERTIES], *ui = kv[FMCP__SK_UNEVALUATED_ITEMS], *m;
    size_t i = 0, n = 0;
    const char *k;
    for (m = up && fmcp__schema_typeof(v) == FMCP_JSON_OBJECT ? fmcp_json_first(v) : NULL; m; m = fmcp_json_next(m)) {
        k = fmcp_json_key(m, &n);
        if (fmcp__schema_seen(cx, s, v, k, n, 0, 1)) continue;
        if (cx->rc != FMCP_OK) return 0;
        if (fmcp_json_is(up, FMCP_JSON_BOOL) && !fmcp_json_bool(up, 1))
            return fmcp__schema_fail(cx, "property '%.*s' is not allowed (unevaluatedProperties)",
                                     fmcp__schema_clip(k, n, 64), k);
        if (!fmcp__schema_child(cx, up, m, k, n, 0)) return 0;
    }
    for (m = ui && fmcp_json_is(v, FMCP_JSON_ARRAY) ? fmcp_json_first(v) : NULL; m; m = fmcp_json_next(m), i++) {
        if (fmcp__schema_seen(cx, s, v, NULL, 0, i, 1)) continue;
        if (cx->rc != FMCP_OK) return 0;
        if (!fmcp__schema_child(cx, ui, m, NULL, 0, i)) return 0;
    }
    return cx->rc == FMCP_OK;
}

static int fmcp__schema_eval(fmcp__schema_cx *cx, const fmcp_json *s, const fmcp_json *v)
{
    const fmcp_json *kv[FMCP__SK_COUNT];
    fmcp_json_type t;
    unsigned g;
    int ok;
    if (cx->rc != FMCP_OK) return 0;
    if (++cx->evals > cx->max_evals)
        return fmcp__schema_fatal(cx, FMCP_ERR_TOO_LARGE, "validation needs more than %lu subschema evaluations",
                                  cx->max_evals);
    if (fmcp_json_is(s, FMCP_JSON_BOOL))
        return fmcp_json_bool(s, 0) ? 1 : fmcp__schema_fail(cx, "no value is allowed here (false schema)");
    if (!fmcp_json_is(s, FMCP_JSON_OBJECT)) return 1;
    if (cx->depth >= FASTMCP_SCHEMA_MAX_DEPTH)
        return fmcp__schema_fatal(cx, FMCP_ERR_DEPTH, "subschemas nest deeper than %d", FASTMCP_SCHEMA_MAX_DEPTH);
    cx->depth++;
    t = fmcp__schema_typeof(v);
    g = fmcp__schema_keywords(s, kv);
    ok = (!(g & FMCP__SG_GEN) || fmcp__schema_generic(cx, kv, v)) && (!(g & FMCP__SG_REF) || fmcp__schema_ref(cx, kv, v)) &&
         (!(g & FMCP__SG_NUM) || t != FMCP_JSON_NUMBER || fmcp__schema_number(cx, kv, v)) &&
         (!(g & FMCP__SG_STR) || t != FMCP_JSON_STRING || fmcp__schema_string(cx, kv, v)) &&
         (!(g & FMCP__SG_ARR) || t != FMCP_JSON_ARRAY || fmcp__schema_array(cx, kv, v)) &&
         (!(g & FMCP__SG_OBJ) || t != FMCP_JSON_OBJECT || fmcp__schema_object(cx, kv, v)) &&
         (!(g & FMCP__SG_LOGIC) || fmcp__schema_logic(cx, kv, v)) &&
         (!(g & FMCP__SG_UNEVAL) || fmcp__schema_uneval(cx, s, kv, v));
    cx->depth--;
    return ok;
}

static unsigned long fmcp__schema_count(const fmcp_json *v, unsigned depth)
{
    unsigned long n = 1;
    const fmcp_json *c;
    if (depth < 256)
        for (c = fmcp_json_first(v); c; c = fmcp_json_next(c)) n += fmcp__schema_count(c, depth + 1);
    return n;
}

FASTMCP_API fmcp_result fmcp_schema_validate(const fmcp_json *schema, const fmcp_json *instance, char *msg,
                                             size_t cap)
{
    fmcp__schema_cx cx;
    if (msg && cap) msg[0] = 0;
    if (!schema) {
        fmcp__schema_set(msg, cap, "no schema");
        return FMCP_ERR_INVALID_ARG;
    }
    cx.root = schema;   /* path and cache are written before they are read */
    cx.evals = cx.work = 0;
    cx.depth = 0;
    cx.quiet = 0;
    cx.rc = FMCP_OK;
    cx.msg = msg;
    cx.cap = cap;
    cx.npath = cx.ncache = 0;
    cx.max_evals = FASTMCP_SCHEMA_MAX_EVALS + 2 * fmcp__schema_count(instance, 0);
    if (fmcp__schema_eval(&cx, schema, instance)) return FMCP_OK;
    return cx.rc != FMCP_OK ? cx.rc : FMCP_ERR_INVALID_ARG;
}

#else /* FASTMCP_SMALL_SCHEMA */

/* ---- small builds: the keywords of the compact spec only ------------------ */

/* Keywords this validator enforces: type, enum, const, properties, required,
 * additionalProperties, items (one schema). Every other keyword the full
 * validator would enforce, and any reference, makes registration fail
 * (FMCP_ERR_UNSUPPORTED): a schema is never checked only in part. What is
 * not listed (title, description, default, format, pattern, x-...) is an
 * annotation there too. */
static int fmcp__schema_small_unsupported(const char *k)
{
    static const char *const no[] = {
        "$ref", "$dynamicRef", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "prefixItems", "additionalItems", "contains", "minContains", "maxContains",
        "minItems", "maxItems", "uniqueItems", "patternProperties", "propertyNames", "minProperties",
        "maxProperties", "dependentRequired", "dependentSchemas", "allOf", "anyOf", "oneOf", "not", "if",
        "then", "else", "unevaluatedProperties", "unevaluatedItems"
    };
    size_t i;
    for (i = 0; i < sizeof no / sizeof no[0]; i++) if (strcmp(k, no[i]) == 0) return 1;
    return 0;
}

typedef struct fmcp__schema_small_chk {
    char *msg;
    size_t cap;
} fmcp__schema_small_chk;

static void fmcp__schema_small_say(char *msg, size_t cap, const char *a, const char *b, size_t bn, const char *c)
{
    fmcp__schema_out o;
    if (!msg || !cap) return;
    o.p = msg; o.cap = cap; o.n = 0; o.cut = 0;
    msg[0] = 0;
    fmcp__schema_put(&o, a, strlen(a));
    fmcp__schema_put(&o, b, bn);
    fmcp__schema_put(&o, c, strlen(c));
}

static int fmcp__schema_small_visit(void *u, const fmcp_json *s)
{
    fmcp__schema_small_chk *k = (fmcp__schema_small_chk *)u;
    const fmcp_json *m;
    for (m = fmcp_json_first(s); m; m = fmcp_json_next(m)) {
        const char *key = fmcp_json_key(m, NULL);
        if (fmcp__schema_small_unsupported(key) || (strcmp(key, "items") == 0 && !fmcp_json_is(m, FMCP_JSON_OBJECT) &&
                                                   !fmcp_json_is(m, FMCP_JSON_BOOL))) {
            fmcp__schema_small_say(k->msg, k->cap, "keyword \"", key, strlen(key),
                                   "\" needs the full validator (built with FASTMCP_SMALL_SCHEMA)");
            return FMCP_ERR_UNSUPPORTED;
        }
    }
    return 0;
}

FASTMCP_API fmcp_result fmcp_schema_check(const fmcp_json *schema, char *msg, size_t cap)
{
    fmcp__schema_small_chk k;
    unsigned long work = 0;
    int r;
    if (msg && cap) msg[0] = 0;
    if (fmcp_json_is(schema, FMCP_JSON_BOOL)) return FMCP_OK;
    if (!fmcp_json_is(schema, FMCP_JSON_OBJECT)) {
        fmcp__schema_small_say(msg, cap, "a schema is an object or a boolean", "", 0, "");
        return FMCP_ERR_INVALID_ARG;
    }
    k.msg = msg; k.cap = cap;
    r = fmcp__schema_walk(schema, 0, &work, fmcp__schema_small_visit, &k);
    if (r == FMCP_ERR_DEPTH) fmcp__schema_small_say(msg, cap, "subschemas nest too deeply", "", 0, "");
    if (r == FMCP_ERR_TOO_LARGE) fmcp__schema_small_say(msg, cap, "schema too large to check", "", 0, "");
    return r < 0 ? (fmcp_result)r : FMCP_OK;
}

/* The instance location, one frame per level, for messages. */
typedef struct fmcp__schema_small_loc {
    const struct fmcp__schema_small_loc *up;
    const char *key;   /* NULL: an array index */
    size_t n;          /* key length or index */
} fmcp__schema_small_loc;

typedef struct fmcp__schema_small_cx {
    char *msg;
    size_t cap;
    fmcp_result rc;
} fmcp__schema_small_cx;

static void fmcp__schema_small_path(fmcp__schema_out *o, const fmcp__schema_small_loc *l)
{
    char num[24];
    size_t i = sizeof num, n;
    if (!l) { fmcp__schema_put(o, "#", 1); return; }
    fmcp__schema_small_path(o, l->up);
    fmcp__schema_put(o, "/", 1);
    if (l->key) {   /* RFC 6901: '~' and '/' escaped */
        size_t a = 0, j;
        while (a < l->n) {
            for (j = a; j < l->n && l->key[j] != '~' && l->key[j] != '/'; j++) {}
            fmcp__schema_put(o, l->key + a, j - a);
            if (j < l->n) fmcp__schema_put(o, l->key[j] == '~' ? "~0" : "~1", 2);
            a = j + 1;
        }
        return;
    }
    n = l->n;
    do num[--i] = (char)('0' + n % 10); while ((n /= 10) != 0);
    fmcp__schema_put(o, num + i, sizeof num - i);
}

/* A mismatch (or with rc, a bound): "#/a/0: " what [quoted name] rest. */
static int fmcp__schema_small_fail(fmcp__schema_small_cx *cx, const fmcp__schema_small_loc *l, fmcp_result rc,
                                   const char *what, const char *name, size_t nlen, const char *rest)
{
    fmcp__schema_out o;
    cx->rc = rc;
    if (!cx->msg || !cx->cap) return 0;
    o.p = cx->msg; o.cap = cx->cap; o.n = 0; o.cut = 0;
    cx->msg[0] = 0;
    fmcp__schema_small_path(&o, l);
    fmcp__schema_put(&o, ": ", 2);
    fmcp__schema_put(&o, what, strlen(what));
    fmcp__schema_put(&o, name, nlen);
    fmcp__schema_put(&o, rest, strlen(rest));
    return 0;
}

static int fmcp__schema_small_type_is(const fmcp_json *v, const fmcp_json *t)
{
    size_t n = 0;
    const char *name = fmcp_json_str(t, &n);
    fmcp_json_type jt = v ? fmcp_json_typeof(v) : FMCP_JSON_OBJECT;
    double d;
    if (!name) return 0;
    if (strcmp(name, "integer") == 0) {
        if (jt != FMCP_JSON_NUMBER) return 0;
        if (fmcp_json_is_int(v)) return 1;
        d = fmcp_json_double(v, 0.5);   /* 1.0 is an integer; past 2^53 every double is */
        return d >= 9007199254740992.0 || d <= -9007199254740992.0 || d == (double)(int64_t)d;
    }
    if (strcmp(name, "string") == 0) return jt == FMCP_JSON_STRING;
    if (strcmp(name, "number") == 0) return jt == FMCP_JSON_NUMBER;
    if (strcmp(name, "boolean") == 0) return jt == FMCP_JSON_BOOL;
    if (strcmp(name, "object") == 0) return jt == FMCP_JSON_OBJECT;
    if (strcmp(name, "array") == 0) return jt == FMCP_JSON_ARRAY;
    if (strcmp(name, "null") == 0) return jt == FMCP_JSON_NULL;
    return 1;   /* unknown type names do not reject (as in the full validator) */
}

static int fmcp__schema_small_eval(fmcp__schema_small_cx *cx, const fmcp_json *s, const fmcp_json *v,
                                   const fmcp__schema_small_loc *l, unsigned depth)
{
    const fmcp_json *x, *m, *props, *add;
    fmcp__schema_small_loc here;
    size_t n = 0, i = 0;
    if (fmcp_json_is(s, FMCP_JSON_BOOL))
        return fmcp_json_bool(s, 0) ? 1 : fmcp__schema_small_fail(cx, l, FMCP_OK, "no value is allowed here (false schema)", "", 0, "");
    if (!fmcp_json_is(s, FMCP_JSON_OBJECT)) return 1;
    if (depth >= FASTMCP_SCHEMA_MAX_DEPTH)
        return fmcp__schema_small_fail(cx, l, FMCP_ERR_DEPTH, "subschemas nest too deeply", "", 0, "");
    if ((x = fmcp_json_get(s, "type")) != NULL) {
        int ok = fmcp_json_is(x, FMCP_JSON_ARRAY) ? 0 : !fmcp_json_is(x, FMCP_JSON_STRING);
        if (!ok && fmcp_json_is(x, FMCP_JSON_STRING)) ok = fmcp__schema_small_type_is(v, x);
        for (m = fmcp_json_is(x, FMCP_JSON_ARRAY) ? fmcp_json_first(x) : NULL; m && !ok; m = fmcp_json_next(m))
            ok = fmcp_json_is(m, FMCP_JSON_STRING) && fmcp__schema_small_type_is(v, m);
        if (!ok) {
            static const char *const got[] = { ", got null", ", got boolean", ", got number", ", got string",
                                               ", got array", ", got object" };
            const char *want = fmcp_json_str(x, &n);
            fmcp_json_type jt = v ? fmcp_json_typeof(v) : FMCP_JSON_OBJECT;
            const char *g = got[jt == FMCP_JSON_NULL ? 0 : jt == FMCP_JSON_BOOL ? 1 : jt == FMCP_JSON_NUMBER ? 2 :
                                jt == FMCP_JSON_STRING ? 3 : jt == FMCP_JSON_ARRAY ? 4 : 5];
            return want ? fmcp__schema_small_fail(cx, l, FMCP_OK, "expected ", want, n, g)
                        : fmcp__schema_small_fail(cx, l, FMCP_OK, "value is not one of the allowed types", "", 0, g);
        }
    }
    if (fmcp_json_is(x = fmcp_json_get(s, "enum"), FMCP_JSON_ARRAY)) {
        for (m = fmcp_json_first(x); m && !fmcp_json_equal(v, m); m = fmcp_json_next(m)) {}
        if (!m) return fmcp__schema_small_fail(cx, l, FMCP_OK, "value is not one of the enum values", "", 0, "");
    }
    if ((x = fmcp_json_get(s, "const")) != NULL && !fmcp_json_equal(v, x))
        return fmcp__schema_small_fail(cx, l, FMCP_OK, "value differs from const", "", 0, "");
    here.up = l;
    if (!v || fmcp_json_is(v, FMCP_JSON_OBJECT)) {
        for (x = fmcp_json_first(fmcp_json_get(s, "required")); x; x = fmcp_json_next(x)) {
            const char *name = fmcp_json_str(x, &n);
            if (name && !fmcp_json_getn(v, name, n))
                return fmcp__schema_small_fail(cx, l, FMCP_OK, "missing required property '", name, n > 64 ? 64 : n, "'");
        }
        props = fmcp_json_get(s, "properties");
        if (!fmcp_json_is(props, FMCP_JSON_OBJECT)) props = NULL;
        add = fmcp_json_get(s, "additionalProperties");
        for (m = fmcp_json_first(v); m; m = fmcp_json_next(m)) {
            const char *k = fmcp_json_key(m, &n);
            const fmcp_json *ps = props ? fmcp_json_getn(props, k, n) : NULL;
            if (!ps) ps = add;
            if (!ps) continue;
            here.key = k; here.n = n;
            if (!fmcp__schema_small_eval(cx, ps, m, &here, depth + 1)) {
                if (ps == add && fmcp_json_is(add, FMCP_JSON_BOOL))   /* false: name the member */
                    return fmcp__schema_small_fail(cx, l, FMCP_OK, "property '", k, n > 64 ? 64 : n, "' is not allowed");
                return 0;
            }
        }
    } else if (fmcp_json_is(v, FMCP_JSON_ARRAY) && (x = fmcp_json_get(s, "items")) != NULL) {
        for (m = fmcp_json_first(v); m; m = fmcp_json_next(m), i++) {
            here.key = NULL; here.n = i;
            if (!fmcp__schema_small_eval(cx, x, m, &here, depth + 1)) return 0;
        }
    }
    return 1;
}

FASTMCP_API fmcp_result fmcp_schema_validate(const fmcp_json *schema, const fmcp_json *instance, char *msg,
                                             size_t cap)
{
    fmcp__schema_small_cx cx;
    if (msg && cap) msg[0] = 0;
    if (!schema) {
        fmcp__schema_small_say(msg, cap, "no schema", "", 0, "");
        return FMCP_ERR_INVALID_ARG;
    }
    cx.msg = msg; cx.cap = cap; cx.rc = FMCP_OK;
    if (fmcp__schema_small_eval(&cx, schema, instance, NULL, 0)) return FMCP_OK;
    return cx.rc != FMCP_OK ? cx.rc : FMCP_ERR_INVALID_ARG;
}

#endif /* FASTMCP_SMALL_SCHEMA */
