/** What RFC 3986 allows in a path or query besides percent-escapes: unreserved, sub-delims, `:`, `@`, `/`, `?`. */
const NOT_URI_CHAR = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]|%(?![0-9A-Fa-f]{2})/g;

/**
 * The serialisation of a parsed URL as a strict RFC 3986 URI. WHATWG URLs leave characters such as `|`, `{`,
 * `^` or `[` unescaped in the path and query, which feed validators and XML consumers reject; they are
 * percent-encoded here, and the URL means the same to any browser.
 */
export function toUri(url: URL): string {
  const strict = (part: string) => part.replace(NOT_URI_CHAR, (c) => encodeURIComponent(c));
  const search = url.search ? `?${strict(url.search.slice(1))}` : '';
  const hash = url.hash ? `#${strict(url.hash.slice(1))}` : '';
  return `${url.protocol}//${url.host}${strict(url.pathname)}${search}${hash}`;
}
