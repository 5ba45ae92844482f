/* ---------------------------------------------------------------------------
 * b64: base64 (RFC 4648 section 4) and base64url (section 5)
 * ---------------------------------------------------------------------------
 *
 *   char text[64]; size_t tn;
 *   fmcp_b64_encode(FMCP_B64_URL, digest, 32, text, sizeof text, &tn);  // 43 chars + NUL
 *   uint8_t bin[32]; size_t bn;
 *   if (fmcp_b64_decode(FMCP_B64_URL, text, tn, bin, sizeof bin, &bn) != FMCP_OK) reject();
 *
 * Decoding is strict, so every byte string has exactly one accepted text:
 *   - base64:    padding required (length a multiple of 4), '=' only at the end;
 *   - base64url: no padding at all, '-' and '_' instead of '+' and '/';
 *   - no whitespace or other characters; the unused trailing bits of the last
 *     character must be zero.
 * Bad input gives FMCP_ERR_ENCODING. The character mapping has no branches or
 * table look-ups on the data, so decoding key material leaks nothing through
 * timing beyond the input length (and, on error, that it was invalid).
 *
 * fmcp_b64_encoded_len(v, n)
 *   Characters needed to encode n bytes, not counting a NUL: 4*ceil(n/3) for
 *   base64, ceil(4n/3) for base64url. Saturates at SIZE_MAX for absurd n.
 *
 * fmcp_b64_decoded_max(n)
 *   Capacity that always suffices to decode a text of n characters (exact
 *   for valid base64url; padded base64 may decode to up to 2 bytes fewer).
 *
 * fmcp_b64_encode(v, in, n, out, cap, &out_len)
 *   Encodes n bytes. Writes a NUL after the text when cap leaves room for it
 *   (cap == encoded_len is enough and writes no NUL). If cap is too small:
 *   FMCP_ERR_BUFFER_TOO_SMALL, *out_len = the characters needed, and out[0]
 *   is set to NUL if cap > 0. out_len may be NULL. NULL in with n > 0, NULL
 *   out with cap > 0, or an unknown variant: FMCP_ERR_INVALID_ARG.
 *
 * fmcp_b64_decode(v, in, n, out, cap, &out_len)
 *   Decodes n characters (in need not be NUL-terminated; a NUL inside is a bad
 *   character). cap must be at least the exact decoded size (padding is not
 *   counted), else FMCP_ERR_BUFFER_TOO_SMALL with *out_len = that size. On
 *   FMCP_ERR_ENCODING nothing decoded is left in out (the written part is
 *   zeroed) and *out_len = 0.
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
