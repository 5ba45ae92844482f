/* ---------------------------------------------------------------------------
 * rsakey: RSA key formats - DER/PEM (SPKI, PKCS#1, PKCS#8), JWK, JWKS,
 *         RFC 7638 thumbprints
 * ---------------------------------------------------------------------------
 *
 * Parsing is strict DER (definite minimal lengths, minimal INTEGERs, no
 * trailing data) and fills the caller-owned key structs of the rsa module.
 * Every parsed key is checked with fmcp_rsa_public_check (policy: 2048-4096
 * bits, e >= 65537) unless noted; private keys with fmcp_rsa_private_check.
 * Encrypted PEM keys are refused with FMCP_ERR_UNSUPPORTED.
 *
 * Writers take a caller buffer and report the needed size with
 * FMCP_ERR_BUFFER_TOO_SMALL (out may be NULL to measure). PEM output uses
 * 64-character lines and ends with a newline; *len excludes the NUL.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fmcp_rsakey_format {
    FMCP_RSAKEY_SPKI = 0,   /* public: SubjectPublicKeyInfo ("PUBLIC KEY") */
    FMCP_RSAKEY_PKCS1 = 1,  /* public: RSAPublicKey / private: RSAPrivateKey ("RSA ... KEY") */
    FMCP_RSAKEY_PKCS8 = 2   /* private: PrivateKeyInfo ("PRIVATE KEY") */
} fmcp_rsakey_format;

/* DER: format auto-detected (SPKI or PKCS#1 public; PKCS#8 or PKCS#1 private). */
FASTMCP_API fmcp_result fmcp_rsa_public_from_der(const uint8_t *der, size_t len, fmcp_rsa_public_key *out);
FASTMCP_API fmcp_result fmcp_rsa_private_from_der(const uint8_t *der, size_t len, fmcp_rsa_private_key *out);
/* PEM: the first RSA key block found. A public key may also be taken from a
 * private key PEM (its public half). */
FASTMCP_API fmcp_result fmcp_rsa_public_from_pem(const char *pem, size_t len, fmcp_rsa_public_key *out);
FASTMCP_API fmcp_result fmcp_rsa_private_from_pem(const char *pem, size_t len, fmcp_rsa_private_key *out);

FASTMCP_API fmcp_result fmcp_rsa_public_to_der(const fmcp_rsa_public_key *k, fmcp_rsakey_format f,
                                               uint8_t *out, size_t cap, size_t *len);
FASTMCP_API fmcp_result fmcp_rsa_private_to_der(const fmcp_rsa_private_key *k, fmcp_rsakey_format f,
                                                uint8_t *out, size_t cap, size_t *len);
FASTMCP_API fmcp_result fmcp_rsa_public_to_pem(const fmcp_rsa_public_key *k, fmcp_rsakey_format f,
                                               char *out, size_t cap, size_t *len);
FASTMCP_API fmcp_result fmcp_rsa_private_to_pem(const fmcp_rsa_private_key *k, fmcp_rsakey_format f,
                                                char *out, size_t cap, size_t *len);

/* JWK (RFC 7517/7518): kty "RSA", n, e (and d, p, q, dp, dq, qi for private). */
FASTMCP_API fmcp_result fmcp_rsa_public_from_jwk(const fmcp_json *jwk, fmcp_rsa_public_key *out);
FASTMCP_API fmcp_result fmcp_rsa_private_from_jwk(const fmcp_json *jwk, fmcp_rsa_private_key *out);
/* Write a JWK object; kid/alg/use may be NULL (omitted). */
FASTMCP_API void fmcp_rsa_public_write_jwk(fmcp_json_writer *w, const fmcp_rsa_public_key *k,
                                           const char *kid, const char *alg, const char *use);
FASTMCP_API void fmcp_rsa_private_write_jwk(fmcp_json_writer *w, const fmcp_rsa_private_key *k,
                                            const char *kid, const char *alg, const char *use);
/* RFC 7638 thumbprint: base64url(SHA-256({"e":..,"kty":"RSA","n":..})), 43
 * characters plus NUL in out. */
#define FMCP_JWK_THUMBPRINT_LEN 43
FASTMCP_API fmcp_result fmcp_rsa_jwk_thumbprint(const fmcp_rsa_public_key *k,
                                                char out[FMCP_JWK_THUMBPRINT_LEN + 1]);

/* JWKS: a {"keys":[...]} set (a single JWK object is accepted too). RSA keys
 * that pass the policy are kept; keys of other types, or with "use" other than
 * "sig", are skipped and counted in `skipped`, not fatal. */
#define FMCP_JWK_KID_MAX 128
typedef struct fmcp_jwk_entry {
    char kid[FMCP_JWK_KID_MAX + 1]; /* "" when absent */
    int has_kid;
    char alg[16];                   /* "" when absent */
    fmcp_rsa_public_key key;
} fmcp_jwk_entry;

typedef struct fmcp_jwks {
    fmcp_jwk_entry *keys;
    size_t count;
    size_t skipped;
    const fmcp_allocator *alloc;
} fmcp_jwks;

FASTMCP_API fmcp_result fmcp_jwks_parse(const char *text, size_t len, const fmcp_allocator *alloc,
                                        fmcp_jwks *out);
FASTMCP_API void fmcp_jwks_free(fmcp_jwks *j);
/* Entry with this kid (NULL kid: the only key, if exactly one). NULL if none. */
FASTMCP_API const fmcp_jwk_entry *fmcp_jwks_find(const fmcp_jwks *j, const char *kid);

#ifdef __cplusplus
}
#endif
