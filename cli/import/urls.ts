/** Links of a feed as absolute http(s) URLs. */

/** An absolute http(s) URL from a reference and an optional base; undefined when there is none. */
export function absoluteUrl(ref: string | undefined, base?: string): string | undefined {
  const value = ref?.trim();
  if (!value) return undefined;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function unusableLink(ref: string, base: string | undefined): string {
  try {
    const url = new URL(ref, base);
    return `no usable link: "${ref}" uses ${url.protocol.replace(':', '')}, not http(s)`;
  } catch {
    return base
      ? `no usable link: "${ref}" is not a URL`
      : `no usable link: "${ref}" is relative and the feed gives no base to resolve it against`;
  }
}
