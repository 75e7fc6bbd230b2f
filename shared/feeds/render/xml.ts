import { stripXmlInvalid } from '../../text.ts';

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Escapes text for an XML element or a double-quoted attribute. Input is normally free of XML-invalid
 * characters already (the API strips them); they are dropped here too, so no stored value can make a feed
 * ill-formed, whatever path it came by.
 */
export function escapeXml(value: string): string {
  return stripXmlInvalid(value).replace(/[&<>"]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

/** Wraps text in CDATA, splitting every `]]>` so the section cannot end early. */
export function cdata(value: string): string {
  return `<![CDATA[${stripXmlInvalid(value).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
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
