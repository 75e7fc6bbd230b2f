import { stripXmlInvalid } from '../../text.ts';

/**
 * Every character {@link escapeXml} may have to touch: those XML 1.0 forbids, every surrogate (a paired one is
 * fine, but only a careful look can tell), and `& < > "`. One scan with these simple classes finds most strings
 * clean, and those are returned as they are.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const MAY_BE_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const MAY_NEED_ESCAPING = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF&<>"]/;

/**
 * Escapes text for an XML element or a double-quoted attribute. Input is normally free of XML-invalid
 * characters already (the API strips them); they are dropped here too, so no stored value can make a feed
 * ill-formed, whatever path it came by.
 */
export function escapeXml(value: string): string {
  if (!MAY_NEED_ESCAPING.test(value)) return value;
  return escapeMarkup(MAY_BE_INVALID.test(value) ? stripXmlInvalid(value) : value);
}

/** Replaces `& < > "` with their entities in one pass. */
function escapeMarkup(value: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < value.length; i++) {
    let entity: string;
    switch (value.charCodeAt(i)) {
      case 38:
        entity = '&amp;';
        break;
      case 60:
        entity = '&lt;';
        break;
      case 62:
        entity = '&gt;';
        break;
      case 34:
        entity = '&quot;';
        break;
      default:
        continue;
    }
    out += value.slice(last, i) + entity;
    last = i + 1;
  }
  return last === 0 ? value : out + value.slice(last);
}

/**
 * Escapes plain text (a title, a name, a summary as Atom text) for an XML element or a double-quoted attribute,
 * writing `&` and `<` as the hexadecimal references `&#x26;` and `&#x3C;`. An XML parser reads them as it reads
 * `&amp;` and `&lt;`; RSS readers that render a title as HTML, and validators that ask whether text is markup,
 * take hexadecimal references as the publisher's sign that the text is text (the RSS Advisory Board's RSS Profile
 * asks for exactly this). The API removes markup from these fields on the way in (shared/text.ts); what is left of
 * `&` and `<` (`AT&T`, `5 < 6`, `a<b>c`) is text, and is published so that no reader can take it for markup.
 */
export function escapeText(value: string): string {
  const escaped = escapeXml(value);
  return escaped.includes('&') ? escaped.replaceAll('&amp;', '&#x26;').replaceAll('&lt;', '&#x3C;') : escaped;
}

/**
 * Plain text inside an element that holds HTML (RSS `description`): escaped for HTML, then for XML, so that a
 * reader that renders it shows `a<b>c` as those five characters rather than a bold `c`.
 */
export function escapeTextAsHtml(value: string): string {
  return escapeXml(
    value.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;')),
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/**
 * Whether a long text may hold a character XML forbids. Over kilobytes of HTML, three native scans (C0 controls;
 * lone surrogates, which `isWellFormed` finds; U+FFFE and U+FFFF) take about two thirds of the time of one
 * regular expression over every range.
 */
function mayBeInvalidLong(value: string): boolean {
  return (
    CONTROL.test(value) ||
    !(value as string & { isWellFormed(): boolean }).isWellFormed() ||
    value.includes('\uFFFE') ||
    value.includes('\uFFFF')
  );
}

/** Wraps text in CDATA, splitting every `]]>` so the section cannot end early. */
export function cdata(value: string): string {
  const valid = mayBeInvalidLong(value) ? stripXmlInvalid(value) : value;
  return `<![CDATA[${valid.includes(']]>') ? valid.replaceAll(']]>', ']]]]><![CDATA[>') : valid}]]>`;
}

/** RFC 822 date-time as RSS 2.0 wants it (`Wed, 16 Jul 2025 09:30:00 GMT`). */
export function rfc822(iso: string): string {
  return new Date(iso).toUTCString();
}

const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

/** The MIME type of an image URL from its extension, when it has a known one. */
export function imageType(url: string): string | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  return extension ? IMAGE_TYPES[extension] : undefined;
}
