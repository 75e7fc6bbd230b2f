import sanitizeHtml from 'sanitize-html';
import { CONTENT_TAGS } from './content-tags.ts';
import { collapseWhitespace, decodeReferences, stripDiscouraged, stripXmlInvalid } from './text.ts';
import { toUri } from './url.ts';

const URL_ATTRIBUTES: Record<string, string> = { a: 'href', img: 'src', blockquote: 'cite', q: 'cite' };

/** Makes a URL absolute against the article's canonical link; undefined when it is not http(s) afterwards. */
export function absoluteHttpUrl(value: string, base: string): string | undefined {
  try {
    const url = new URL(value.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? toUri(url) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cleans editor HTML down to an allowlist of structural and inline elements: no script, style, iframe or
 * event handler survives, links and images keep only http(s) (and mailto for links) URLs, and relative URLs
 * become absolute against `baseUrl` so the content still works inside a feed reader.
 */
export function sanitizeContentHtml(html: string, baseUrl: string): string {
  // The parser decodes character references (`&#1;`, `&#xFFFE;`), which can yield characters XML forbids.
  const cleaned = sanitizeHtml(html, {
    allowedTags: [...CONTENT_TAGS],
    allowedAttributes: {
      a: ['href', 'title', 'hreflang'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      blockquote: ['cite'],
      q: ['cite'],
      time: ['datetime'],
      abbr: ['title'],
      th: ['colspan', 'rowspan', 'scope'],
      td: ['colspan', 'rowspan'],
      ol: ['start'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: [
      'script',
      'style',
      'textarea',
      'option',
      'noscript',
      'iframe',
      'object',
      'embed',
      'svg',
      'math',
    ],
    transformTags: {
      '*': (tagName, attribs) => {
        const name = URL_ATTRIBUTES[tagName];
        const raw = name ? attribs[name] : undefined;
        if (!name || raw === undefined) return { tagName, attribs };
        const next = { ...attribs };
        const absolute = raw.trim().toLowerCase().startsWith('mailto:')
          ? raw.trim()
          : absoluteHttpUrl(raw, baseUrl);
        if (absolute === undefined) delete next[name];
        else next[name] = absolute;
        return { tagName, attribs: next };
      },
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  });
  // It also gives U+FFFD for a reference to a character XML forbids, which validators flag: not text to keep.
  return stripDiscouraged(stripXmlInvalid(cleaned)).trim();
}

/** The visible text of a fragment of HTML, on one line. */
export function htmlToText(html: string): string {
  const text = sanitizeHtml(html.replace(/<\/(p|li|h\d|blockquote|div|tr)>|<br\s*\/?>/gi, '$& '), {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'svg', 'math'],
  });
  return collapseWhitespace(stripXmlInvalid(decodeReferences(text)));
}
