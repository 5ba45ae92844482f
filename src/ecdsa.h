/* ---------------------------------------------------------------------------
 * ecdsa: P-256 and P-384 points and what is built on them (internal, no
 * declarations of its own)
 * ---------------------------------------------------------------------------
 *
 * Part of the ec API, which ec.h declares and documents. Here: complete
 * projective point formulas, constant-time fixed-window scalar
 * multiplication, the variable-time u1 G + u2 Q of verification, scalars mod
 * n, ECDSA verify and sign (RFC 6979, optionally hedged), DER signatures,
 * keys and ECDH, and the raw SEC1 helpers behind the tls module's BearSSL
 * hook. The field arithmetic and curve constants it uses are ec's.
 */
