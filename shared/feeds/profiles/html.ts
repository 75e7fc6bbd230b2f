/**
 * A partner's tag allowlist over content the API has already sanitised (shared/html.ts): well-formed tags whose
 * attribute values are quoted with every `<`, `>` and `"` escaped, so one pass over `<…>` finds every tag. No
 * parser is needed, and none comes into the regenerate bundle (tests/infra/bundles.test.ts keeps sanitize-html out
 * of it). A tag the partner does not allow is removed and its text kept; a "read more" link is removed whole, as
 * partners that take full text refuse them.
 */

/** Elements whose removal would glue the words on either side together: a space stands in their place. */
const BLOCK = new Set([
  'p',
  'div',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'caption',
]);

/**
 * A link whose whole text sends the reader elsewhere for the rest of the article ("Read more", "Continue reading…",
 * "Read the full story »"; English wording only), with nothing else in it.
 */
const READ_MORE =
  /<a\b[^>]*>\s*(?:read more|continue reading|read the full (?:story|article)|full story)(?:[\s.:…»›→]|&gt;|&raquo;|&hellip;)*<\/a>/gi;

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g;

/** `html` with only `allowed` tags (all of them when absent) and without "read more" links. */
export function filterHtml(html: string, allowed?: ReadonlySet<string>): string {
  const withoutReadMore = html.replace(READ_MORE, '');
  if (!allowed) return withoutReadMore;
  return withoutReadMore.replace(TAG, (tag, _close: string, name: string) => {
    const lower = name.toLowerCase();
    if (allowed.has(lower)) return tag;
    return BLOCK.has(lower) ? ' ' : '';
  });
}

/** The tags of `html` that `allowed` does not keep, once each, sorted: what a profile's report names. */
export function disallowedTags(html: string, allowed?: ReadonlySet<string>): string[] {
  if (!allowed) return [];
  const found = new Set<string>();
  for (const match of html.matchAll(TAG)) {
    const name = (match[2] ?? '').toLowerCase();
    if (!allowed.has(name)) found.add(name);
  }
  return [...found].sort();
}
