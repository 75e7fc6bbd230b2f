/** HTML made from feed text: paragraphs of plain text, links made absolute. */
import sanitizeHtml from 'sanitize-html';
import { collapseWhitespace } from '#shared/text.ts';

/** Plain text as HTML: escaped, one paragraph per run of lines between blank lines. */
export function textToParagraphs(value: string): string {
  return value
    .split(/\n\s*\n/)
    .map(collapseWhitespace)
    .filter(Boolean)
    .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
    .join('');
}

/** HTML with every href, src and cite made absolute against `base`; everything else left as it is. */
export function absolutizeLinks(html: string, base: string): string {
  return sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      '*': (tagName, attribs) => {
        const next = { ...attribs };
        for (const name of ['href', 'src', 'cite']) {
          const value = next[name];
          if (value === undefined) continue;
          try {
            next[name] = new URL(value.trim(), base).href;
          } catch {
            // Not a URL even against the base: the API's sanitiser decides what to do with it.
          }
        }
        return { tagName, attribs: next };
      },
    },
  });
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
