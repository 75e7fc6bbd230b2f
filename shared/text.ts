/**
 * Characters that XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF) and lone UTF-16 surrogates.
 * A feed that contains one is not well-formed, so they never get past the API.
 */
const XML_INVALID =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes every character that cannot appear in an XML 1.0 document. */
export function stripXmlInvalid(value: string): string {
  return value.replace(XML_INVALID, '');
}

/** Applies {@link stripXmlInvalid} to every string value of a parsed JSON value (keys are left alone). */
export function deepStripXmlInvalid(value: unknown): unknown {
  if (typeof value === 'string') return stripXmlInvalid(value);
  if (Array.isArray(value)) return value.map(deepStripXmlInvalid);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      // defineProperty, not assignment: a `__proto__` key in a parsed body must stay data, not become the prototype.
      // Keys are kept as sent: stripping them could turn `ti\u0000tle` into a second `title`.
      Object.defineProperty(out, key, {
        value: deepStripXmlInvalid(inner),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** Trims and folds every run of whitespace (line breaks included) into one space: the shape of a plain-text line. */
export function collapseWhitespace(value: string): string {
  return value.replace(/\s+/gu, ' ').trim();
}

/** Cuts plain text to at most `max` characters at a word boundary, marking the cut with an ellipsis. */
export function truncateText(value: string, max: number): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  // Look one character further than what fits: a space there means the last word fits whole.
  const window = chars.slice(0, max).join('');
  const boundary = window.lastIndexOf(' ');
  const cut = boundary > max * 0.6 ? window.slice(0, boundary) : chars.slice(0, max - 1).join('');
  return `${cut.replace(/[\s.,;:!?\-–—]+$/u, '')}…`;
}

/** Length of a string in UTF-8 bytes. */
export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}
