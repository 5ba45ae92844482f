/* ---------------------------------------------------------------------------
 * b64: base64 (RFC 4648 section 4) and base64url (section 5)
 * ---------------------------------------------------------------------------
 *
 * Encoding never fails except for a too-small buffer. Decoding is strict:
 *   - base64:    padding required (length a multiple of 4), '=' only at the end;
 *   - base64url: no padding at all, '-' and '_' instead of '+' and '/';
 *   - no whitespace or other characters; the unused trailing bits of the last
 *     character must be zero (so every byte string has exactly one encoding).
 * Bad input gives FMCP_ERR_ENCODING. Sizes: fmcp_b64_encoded_len() and
 * fmcp_b64_decoded_max() tell the capacity to pass; out need not be
 * NUL-terminated by the caller but the encoder writes a NUL when room allows.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fmcp_b64_variant {
    FMCP_B64_STD = 0,  /* '+' '/' with '=' padding */
    FMCP_B64_URL = 1   /* '-' '_' without padding */
} fmcp_b64_variant;

/* Characters needed to encode n bytes (without the NUL). */
FASTMCP_API size_t fmcp_b64_encoded_len(fmcp_b64_variant v, size_t n);
/* Upper bound of bytes a text of n characters decodes to. */
FASTMCP_API size_t fmcp_b64_decoded_max(size_t n);

/* Encode n bytes into out (capacity cap). *out_len = characters written.
 * FMCP_ERR_BUFFER_TOO_SMALL if cap < encoded_len (a NUL is added if cap allows). */
FASTMCP_API fmcp_result fmcp_b64_encode(fmcp_b64_variant v, const void *in, size_t n,
                                        char *out, size_t cap, size_t *out_len);
/* Decode n characters into out (capacity cap); *out_len = bytes written. */
FASTMCP_API fmcp_result fmcp_b64_decode(fmcp_b64_variant v, const char *in, size_t n,
                                        void *out, size_t cap, size_t *out_len);

#ifdef __cplusplus
}
#endif
