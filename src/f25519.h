/* ---------------------------------------------------------------------------
 * f25519: arithmetic modulo p = 2^255 - 19 (internal, no public functions)
 * ---------------------------------------------------------------------------
 *
 * The field code x25519 and ed25519 share: radix 2^51 (five 64-bit limbs,
 * unsigned __int128 products) unless FASTMCP_NO_INT128 or no __int128, then
 * radix 2^25.5 (ten 32-bit limbs, 64-bit products). Every operation runs in
 * time independent of the values (no branch, no memory index on them). All
 * of it is private (static fmcp__f25519_*); it lives in the implementation.
 */
