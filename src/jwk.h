/* ---------------------------------------------------------------------------
 * jwk: JOSE signing keys of every supported type - RSA, EC (P-256, P-384),
 *      OKP (Ed25519) - read from and written to JWK, PEM and DER; RFC 7638
 *      thumbprints; JWS algorithms bound to key types; JWS sign and verify
 * ---------------------------------------------------------------------------
 *
 *   fmcp_jwk_private_key k;                           // caller-owned, no heap
 *   if (fmcp_jwk_generate(FMCP_JWS_ES256, 0, &k) != FMCP_OK) ...
 *   uint8_t sig[FMCP_JWS_MAX_SIG]; size_t n;
 *   fmcp_jws_sign(&k, FMCP_JWS_ES256, input, input_len, sig, sizeof sig, &n);
 *   fmcp_jwk_public_key pub;
 *   fmcp_jwk_public_of(&k, &pub);
 *   ok = fmcp_jws_verify(&pub, FMCP_JWS_ES256, input, input_len, sig, n) == FMCP_OK;
 *   fmcp_wipe(&k, sizeof k);
 *
 * A key struct holds one key: kty says which member is used (rsa, ec or
 * okp); the others are zero. alg is the key's own binding (a JWK "alg"
 * member, FMCP_JWS_NONE when it has none): it is kept by the readers and
 * honoured by fmcp_jwk_alg_fits. Private keys should be wiped by the owner.
 *
 * Algorithms (fmcp_jws_alg) and the keys they accept (fmcp_jwk_alg_fits):
 *   RS256  RSA, PKCS#1 v1.5 with SHA-256 (rsa module policy: 2048-4096 bits)
 *   PS256  RSA, PSS with SHA-256, MGF1-SHA-256, 32-byte salt
 *   ES256  EC P-256 only, SHA-256, signature raw r||s of exactly 64 bytes
 *   ES384  EC P-384 only, SHA-384, signature raw r||s of exactly 96 bytes
 *   EdDSA  OKP Ed25519 (RFC 8037; the only EdDSA curve supported)
 *   Ed25519  the same, under its fully specified name (RFC 9864)
 * A key whose alg is set fits that algorithm only (an RSA key marked RS256
 * never verifies PS256, a key marked EdDSA never verifies "Ed25519"); an RSA
 * key without alg fits RS256 and PS256, an Ed25519 key without alg fits
 * EdDSA and Ed25519. ECDSA signatures in DER form are refused (they are not
 * 2 * size bytes, or do not verify as r||s); r and s must lie in [1, n-1],
 * so the zero signature and its variants (CVE-2022-21449) never verify.
 *
 * fmcp_jws_alg_from_name(name, len) / fmcp_jws_alg_name(alg)
 *   The exact, case-sensitive JOSE name; FMCP_JWS_NONE for anything else
 *   ("none", HS256, RS384, ES512, ...).
 *
 * fmcp_jwk_public_from_json / fmcp_jwk_private_from_json
 *   A parsed JWK object. kty "RSA" as the rsakey module reads it; kty "EC"
 *   with crv "P-256" or "P-384" and x, y (and d) base64url of exactly the
 *   field size (RFC 7518 6.2.1.2), the point checked on the curve; kty "OKP"
 *   with crv "Ed25519", x (and d) of 32 bytes. A private key whose public
 *   members disagree with its private part is FMCP_ERR_BAD_KEY. An "alg"
 *   member must name an algorithm that fits the key (else
 *   FMCP_ERR_UNSUPPORTED for an unknown name, FMCP_ERR_BAD_KEY for a known
 *   one of another key type). Another kty or crv (oct, X25519, Ed448,
 *   P-521, secp256k1): FMCP_ERR_UNSUPPORTED. use/key_ops/kid are not looked
 *   at (the jwt key sets do that).
 *
 * fmcp_jwk_public_from_der / fmcp_jwk_private_from_der
 *   One whole DER buffer, format recognised from its structure: public keys
 *   as SubjectPublicKeyInfo (rsaEncryption, id-ecPublicKey with the named
 *   curve prime256v1 or secp384r1 and an uncompressed point, id-Ed25519 of
 *   RFC 8410) or PKCS#1 RSAPublicKey; private keys as PKCS#8 (version 0, or
 *   1 for OneAsymmetricKey with its optional public key checked), SEC1
 *   ECPrivateKey (RFC 5915: version 1, the scalar, the optional curve and
 *   public key checked against it) or PKCS#1 RSAPrivateKey. Strict DER as in
 *   rsakey; explicit curve parameters, compressed points and other curves
 *   are FMCP_ERR_UNSUPPORTED.
 *
 * fmcp_jwk_public_from_pem / fmcp_jwk_private_from_pem
 *   The first key block of a supported type decides: "PUBLIC KEY",
 *   "PRIVATE KEY", "EC PRIVATE KEY", "RSA PUBLIC KEY", "RSA PRIVATE KEY"
 *   (contents must match the label; PEM rules as in rsakey). Blocks of keys
 *   of other types are passed over. The public reader also takes a private
 *   block and returns its public half. No usable block: FMCP_ERR_UNSUPPORTED
 *   if another key block was seen, else FMCP_ERR_NOT_FOUND.
 *
 * fmcp_jwk_public_to_pem / fmcp_jwk_private_to_pem
 *   SPKI ("PUBLIC KEY") and PKCS#8 ("PRIVATE KEY"; an EC key's inner
 *   ECPrivateKey carries the public key, as OpenSSL writes it; Ed25519 is
 *   the RFC 8410 version 0 form). Buffer rules as in rsakey: *len is always
 *   set, cap >= *len + 1, FMCP_ERR_BUFFER_TOO_SMALL otherwise.
 *
 * fmcp_jwk_public_write / fmcp_jwk_private_write
 *   Append one JWK object: kty, kid, use, alg (each when not NULL), then the
 *   key members (crv, x, y for EC; crv, x for OKP; n, e for RSA; plus d and
 *   the RSA CRT members for private keys). A bad key sets the writer's
 *   sticky error (FMCP_ERR_INVALID_ARG).
 *
 * fmcp_jwk_thumbprint(key, out)
 *   RFC 7638: base64url(SHA-256) of the required members in lexicographic
 *   order - {"e","kty","n"} for RSA, {"crv","kty","x","y"} for EC,
 *   {"crv","kty","x"} for OKP (RFC 8037 A.3) - 43 characters and a NUL.
 *
 * fmcp_jwk_public_of(key, out)
 *   The public half (alg kept).
 *
 * fmcp_jwk_generate(alg, rsa_bits, out)
 *   A new key for alg: RSA of rsa_bits (0 = 2048) for RS256/PS256, P-256
 *   for ES256, P-384 for ES384, Ed25519 for EdDSA/Ed25519. out->alg is left
 *   FMCP_JWS_NONE (set it to bind the key). FMCP_ERR_RANDOM when randomness
 *   fails (out wiped), FMCP_ERR_INVALID_ARG for an unknown alg.
 *
 * fmcp_jws_sign(key, alg, input, len, sig, cap, sig_len)
 *   The JWS signature of input (the ASCII "header.payload"): k bytes for
 *   RSA, 2 * size for ECDSA (hedged RFC 6979 nonce: deterministic nonce
 *   mixed with fresh randomness), 64 for Ed25519 (deterministic).
 *   FMCP_ERR_BAD_KEY when the key does not fit alg, FMCP_ERR_BUFFER_TOO_SMALL
 *   when cap is short (FMCP_JWS_MAX_SIG always fits), FMCP_ERR_RANDOM when
 *   randomness fails (RSA blinding and PSS salt, ECDSA hedging).
 *
 * FASTMCP_JWS_RS256_ONLY (small targets, the bare-metal set): RS256 with
 *   RSA keys is all there is, as before PS256, ES256, ES384 and EdDSA existed. EC and
 *   Ed25519 keys are refused (kty/crv/OIDs as FMCP_ERR_UNSUPPORTED, writers
 *   as for an invalid key), no key fits another algorithm, and the ec,
 *   ed25519, SHA-384 and RSA-PSS code is not referenced, so the linker drops
 *   it.
 *
 * fmcp_jws_verify(key, alg, input, len, sig, sig_len)
 *   FMCP_OK for a valid signature; FMCP_ERR_BAD_KEY when the key does not fit
 *   alg or is invalid; FMCP_ERR_BAD_SIGNATURE otherwise (also for a
 *   signature of the wrong length). Variable time (public data).
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fmcp_jws_alg {
    FMCP_JWS_NONE = 0,
    FMCP_JWS_RS256 = 1,
    FMCP_JWS_PS256 = 2,
    FMCP_JWS_ES256 = 3,
    FMCP_JWS_ES384 = 4,
    FMCP_JWS_EDDSA = 5,     /* "EdDSA" with an Ed25519 key (RFC 8037) */
    FMCP_JWS_ED25519 = 6    /* "Ed25519" (RFC 9864) */
} fmcp_jws_alg;

typedef enum fmcp_jwk_kty {
    FMCP_JWK_NONE = 0,
    FMCP_JWK_RSA = 1,
    FMCP_JWK_EC = 2,
    FMCP_JWK_OKP = 3        /* Ed25519 only */
} fmcp_jwk_kty;

#define FMCP_JWS_MAX_SIG FMCP_RSA_MAX_BYTES

#ifdef FASTMCP_JWS_RS256_ONLY
#define FMCP__JWS_ALL 0
#else
#define FMCP__JWS_ALL 1
#endif

typedef struct fmcp_jwk_public_key {
    fmcp_jwk_kty kty;
    fmcp_jws_alg alg;                   /* the key's "alg", or FMCP_JWS_NONE */
    fmcp_rsa_public_key rsa;            /* kty RSA */
    fmcp_ec_public_key ec;              /* kty EC (curve inside) */
    uint8_t okp[FMCP_ED25519_PUBLIC_KEY_SIZE]; /* kty OKP: the Ed25519 public key */
} fmcp_jwk_public_key;

typedef struct fmcp_jwk_private_key {
    fmcp_jwk_kty kty;
    fmcp_jws_alg alg;
    fmcp_rsa_private_key rsa;
    fmcp_ec_private_key ec;
    uint8_t okp_seed[FMCP_ED25519_SEED_SIZE];  /* kty OKP: secret seed ... */
    uint8_t okp[FMCP_ED25519_PUBLIC_KEY_SIZE]; /* ... and its public key */
} fmcp_jwk_private_key;

FASTMCP_API fmcp_jws_alg fmcp_jws_alg_from_name(const char *name, size_t len);
FASTMCP_API const char *fmcp_jws_alg_name(fmcp_jws_alg alg);
/* Nonzero when alg may be used with this key (kty, curve, the key's alg). */
FASTMCP_API int fmcp_jwk_alg_fits(const fmcp_jwk_public_key *key, fmcp_jws_alg alg);

FASTMCP_API fmcp_result fmcp_jwk_public_from_json(const fmcp_json *jwk, fmcp_jwk_public_key *out);
FASTMCP_API fmcp_result fmcp_jwk_private_from_json(const fmcp_json *jwk, fmcp_jwk_private_key *out);
FASTMCP_API fmcp_result fmcp_jwk_public_from_der(const uint8_t *der, size_t len, fmcp_jwk_public_key *out);
FASTMCP_API fmcp_result fmcp_jwk_private_from_der(const uint8_t *der, size_t len, fmcp_jwk_private_key *out);
FASTMCP_API fmcp_result fmcp_jwk_public_from_pem(const char *pem, size_t len, fmcp_jwk_public_key *out);
FASTMCP_API fmcp_result fmcp_jwk_private_from_pem(const char *pem, size_t len, fmcp_jwk_private_key *out);
FASTMCP_API fmcp_result fmcp_jwk_public_to_pem(const fmcp_jwk_public_key *k, char *out, size_t cap, size_t *len);
FASTMCP_API fmcp_result fmcp_jwk_private_to_pem(const fmcp_jwk_private_key *k, char *out, size_t cap,
                                                size_t *len);
FASTMCP_API void fmcp_jwk_public_write(fmcp_json_writer *w, const fmcp_jwk_public_key *k, const char *kid,
                                       const char *alg, const char *use);
FASTMCP_API void fmcp_jwk_private_write(fmcp_json_writer *w, const fmcp_jwk_private_key *k, const char *kid,
                                        const char *alg, const char *use);
FASTMCP_API fmcp_result fmcp_jwk_thumbprint(const fmcp_jwk_public_key *k, char out[FMCP_JWK_THUMBPRINT_LEN + 1]);
FASTMCP_API fmcp_result fmcp_jwk_public_of(const fmcp_jwk_private_key *k, fmcp_jwk_public_key *out);
FASTMCP_API fmcp_result fmcp_jwk_generate(fmcp_jws_alg alg, unsigned rsa_bits, fmcp_jwk_private_key *out);

FASTMCP_API fmcp_result fmcp_jws_sign(const fmcp_jwk_private_key *k, fmcp_jws_alg alg, const void *input,
                                      size_t len, uint8_t *sig, size_t cap, size_t *sig_len);
FASTMCP_API fmcp_result fmcp_jws_verify(const fmcp_jwk_public_key *k, fmcp_jws_alg alg, const void *input,
                                        size_t len, const uint8_t *sig, size_t sig_len);

#ifdef __cplusplus
}
#endif
