/**
 * How the published documents are served to browsers: the Content-Security-Policy of each kind of document and
 * the media type a browser gets for a feed it opens. The local feed server applies these per response; the CDK
 * app sends the same policies from CloudFront (see infra/stateless-stack.ts).
 */

/** Anything that is not a page: loads nothing, runs nothing. */
const CSP_NOTHING = "default-src 'none'; frame-ancestors 'none'";

/**
 * An RSS or Atom feed: Chromium fetches the `xml-stylesheet` under `script-src-elem` (an XSLT load counts as a
 * script element load) and keeps the feed's policy for the page the stylesheet makes, whose CSS is inline.
 * `'self'` is as narrow as a header that does not know its own domain can be; nothing else loads or runs.
 */
const CSP_FEED =
  "default-src 'none'; script-src-elem 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** `feeds/index.html`: inline CSS only; no script, no image, no frame, no form, no `<base>`. */
const CSP_INDEX =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const CONTENT_SECURITY_POLICY = { nothing: CSP_NOTHING, feed: CSP_FEED, index: CSP_INDEX } as const;

const FEED_TYPE = /^application\/(?:rss|atom)\+xml\b/i;

/** The Content-Security-Policy a document of this media type is served with. */
export function contentSecurityPolicyFor(contentType: string): string {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/html') return CSP_INDEX;
  if (FEED_TYPE.test(type)) return CSP_FEED;
  return CSP_NOTHING;
}

/** Whether the media type is an RSS or Atom feed's, whose served type depends on who asks. */
export function isFeedType(contentType: string): boolean {
  return FEED_TYPE.test(contentType.trim());
}

/**
 * The media type to send: a browser opening a feed (`Sec-Fetch-Dest: document`) gets `application/xml`, because
 * Chromium shows `application/rss+xml` and `application/atom+xml` as plain text and never applies their stylesheet
 * (Firefox offers them as a download). Feed readers send no `Sec-Fetch-Dest` and get the feed's own type.
 */
export function servedContentType(contentType: string, secFetchDest: string | undefined): string {
  if (secFetchDest?.trim().toLowerCase() !== 'document') return contentType;
  return contentType.trim().replace(FEED_TYPE, 'application/xml');
}
