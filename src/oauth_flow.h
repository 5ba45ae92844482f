/* ---------------------------------------------------------------------------
 * oauth_flow: the OAuth client's grants (internal, no declarations of its own)
 * ---------------------------------------------------------------------------
 *
 * Part of the oauth API, which oauth.h declares and documents. Here: the
 * token endpoint (code, refresh, client credentials, token exchange), the
 * loopback callback server and the browser launch, the authorization code
 * flow, grants without a browser, and the public calls (fmcp_oauth_create,
 * _login, _logout, _token, ...). Discovery, storage, client identity and
 * signed assertions are oauth's.
 */
