/* ---------------------------------------------------------------------------
 * rsakey: RSA key formats - DER/PEM (SPKI, PKCS#1, PKCS#8), JWK, JWKS,
 *         RFC 7638 thumbprints
 * ---------------------------------------------------------------------------
 *
 *   fmcp_rsa_public_key pub;                          // caller-owned, no heap
 *   if (fmcp_rsa_public_from_pem(pem, strlen(pem), &pub) != FMCP_OK) ...
 *   char kid[FMCP_JWK_THUMBPRINT_LEN + 1];
 *   fmcp_rsa_jwk_thumbprint(&pub, kid);               // default kid
 *   fmcp_json_writer w; fmcp_jw_init(&w, NULL);
 *   fmcp_rsa_public_write_jwk(&w, &pub, kid, "RS256", "sig");
 *
 *   fmcp_jwks set;                                    // e.g. a fetched jwks_uri
 *   if (fmcp_jwks_parse(body, body_len, NULL, &set) == FMCP_OK) {
 *       const fmcp_jwk_entry *e = fmcp_jwks_find(&set, token_kid);
 *       ...
 *       fmcp_jwks_destroy(&set);
 *   }
 *
 * EC and Ed25519 keys, and a key type that covers all three, are the jwk
 * module's (it reads RSA keys through this one).
 *
 * Results shared by the readers: FMCP_ERR_PARSE for malformed DER/JSON
 * structure, FMCP_ERR_ENCODING for bad base64/base64url, FMCP_ERR_UNSUPPORTED
 * for a well-formed key of another kind (EC, Ed25519, ...; another algorithm
 * OID; encrypted PEM; multi-prime keys; private JWKs without CRT members),
 * FMCP_ERR_BAD_KEY when the numbers are out of policy. Policy: every public
 * key passes fmcp_rsa_public_check(k, 0) (2048-4096 bits, odd e >= 65537);
 * every private key passes fmcp_rsa_private_check. On any failure the output
 * struct is zeroed (wiped for private keys).
 *
 * DER rules: strict DER - definite lengths in their shortest form, INTEGERs
 * minimal and non-negative, no bytes after any structure. The rsaEncryption
 * AlgorithmIdentifier must have NULL parameters or none at all (absent
 * parameters mean the same thing and some old encoders omit them); the
 * writers always emit NULL. PKCS#8 must be version 0; its optional [0]
 * attributes are ignored. Key structs hold integers minimal (no leading zero
 * bytes), so DER/PEM/JWK output is canonical: parsing a key written by
 * OpenSSL or node and writing it again gives the same bytes.
 *
 * PEM rules: text before, between and after blocks is ignored, lines may end
 * in LF or CRLF. Inside a block only base64 lines are allowed (whitespace only
 * as line breaks; any line length), decoded strictly (padding only at the end,
 * zero trailing bits). A block with RFC 1421 headers ("Proc-Type:") or the
 * label "ENCRYPTED PRIVATE KEY" is an encrypted key: FMCP_ERR_UNSUPPORTED.
 * Labels: "PUBLIC KEY" (SPKI), "RSA PUBLIC KEY" (PKCS#1), "PRIVATE KEY"
 * (PKCS#8), "RSA PRIVATE KEY" (PKCS#1); the contents must match the label.
 *
 * JWK rules: kty must be "RSA". n, e (and d, p, q, dp, dq, qi) are base64url
 * without padding. RFC 7518 says they carry no leading zero bytes; we are
 * lenient and accept leading zeros on input (some producers add a 0x00 sign
 * byte to n) but always store and emit the minimal form.
 *
 * fmcp_rsa_public_from_der / fmcp_rsa_private_from_der
 *   One whole DER buffer. The public reader takes SubjectPublicKeyInfo or
 *   PKCS#1 RSAPublicKey, the private reader PKCS#8 PrivateKeyInfo or PKCS#1
 *   RSAPrivateKey; the format is recognised from the structure.
 *
 * fmcp_rsa_public_from_pem / fmcp_rsa_private_from_pem
 *   The first RSA key block of the text decides; blocks of other kinds
 *   (certificates, EC keys, encrypted keys) are passed over. The public
 *   reader also accepts a private key block and returns its public half.
 *   No RSA block: FMCP_ERR_UNSUPPORTED if some other key block was seen,
 *   else FMCP_ERR_NOT_FOUND.
 *
 * fmcp_rsa_public_to_der / _private_to_der / _public_to_pem / _private_to_pem
 *   Public keys as FMCP_RSAKEY_SPKI or FMCP_RSAKEY_PKCS1, private keys as
 *   FMCP_RSAKEY_PKCS8 or FMCP_RSAKEY_PKCS1 (another format, or a key whose
 *   lengths do not fit its arrays: FMCP_ERR_INVALID_ARG). *len is always set
 *   to the output length; out may be NULL to measure. PEM needs cap >= *len + 1
 *   (64-character lines, a final newline, then a NUL); DER needs cap >= *len.
 *   Too small: FMCP_ERR_BUFFER_TOO_SMALL. Keys are not policy-checked here.
 *
 * fmcp_rsa_public_from_jwk / fmcp_rsa_private_from_jwk
 *   A parsed JWK object. Members other than the key numbers (kid, alg, use,
 *   key_ops, ...) are not looked at; the public reader ignores private members.
 *   Missing or non-string numbers: FMCP_ERR_PARSE.
 *
 * fmcp_rsa_public_write_jwk / fmcp_rsa_private_write_jwk
 *   Append one JWK object to a JSON writer: kty, kid, use, alg (when not
 *   NULL), n, e and for private keys d, p, q, dp, dq, qi. A key with invalid
 *   lengths sets the writer's sticky error (FMCP_ERR_INVALID_ARG).
 *
 * fmcp_rsa_jwk_thumbprint
 *   RFC 7638: base64url(SHA-256('{"e":"..","kty":"RSA","n":".."}')) of the
 *   minimal numbers, 43 characters and a NUL.
 *
 * fmcp_jwks_parse / fmcp_jwks_destroy / fmcp_jwks_find
 *   Parses a JWK Set ({"keys":[...]}, or one JWK object) of at most 1 MiB
 *   (else FMCP_ERR_TOO_LARGE); duplicate JSON member names are refused. Only
 *   RSA public keys usable for signatures are kept; every other member of
 *   "keys" is skipped and counted in `skipped`, never fatal: other kty (EC,
 *   oct, OKP), "use" other than "sig", "key_ops" without "verify", malformed
 *   RSA members, keys out of policy, kid longer than FMCP_JWK_KID_MAX, alg
 *   longer than 15 characters, and a kid that an earlier kept key already
 *   has (the first wins: a set with duplicate kids is ambiguous). alg is
 *   recorded, not filtered: the caller decides. Private members are ignored
 *   (only the public half is kept). The set owns `keys` (allocated with
 *   alloc); release it with fmcp_jwks_destroy, which also accepts a zeroed or
 *   already freed set. fmcp_jwks_find returns the entry with that kid, or
 *   for kid NULL the only key when the set has exactly one; NULL otherwise.
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

/* JWKS: a {"keys":[...]} set (a single JWK object is accepted too); see above. */
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
FASTMCP_API void fmcp_jwks_destroy(fmcp_jwks *j);
/* Entry with this kid (NULL kid: the only key, if exactly one). NULL if none. */
FASTMCP_API const fmcp_jwk_entry *fmcp_jwks_find(const fmcp_jwks *j, const char *kid);

#ifdef __cplusplus
}
#endif
