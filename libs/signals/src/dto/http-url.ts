/**
 * An http(s) URL the delivery worker can POST to: a push stream's
 * `endpoint_url`, a relying party's `backchannel_logout_uri`.
 *
 * - No credentials (`user:password@`, or any `@` before the path): fetch
 *   refuses to build a request from such a URL, so nothing could ever be
 *   delivered, and the password would be shown wherever the URL is. An `@`
 *   in the path or the query is allowed; the authority ends at the first
 *   `/`, `?` or `#`, and a `\` in it (a path separator to the URL parser)
 *   is refused too, so a URL the rule passes names its host unambiguously.
 *   Credentials for the receiver go in a push stream's `authorization_header`.
 * - No fragment (`#...`): it is never sent (fetch drops it), so the receiver
 *   would not see the URL that was registered. RFC 8935 says nothing of
 *   fragments; Back-Channel Logout 1.0 section 2.2 lets the URL carry a port,
 *   path and query, not a fragment.
 * - No white space anywhere.
 */
export const HTTP_URL = /^https?:\/\/[^\s/?#@\\]+(?:[/?][^\s#]*)?$/;

/** The refusal of a URL the rule does not pass, naming the field. */
export const httpUrlRule = (field: string): string =>
  `${field} must be an http(s) URL without credentials or a fragment`;
