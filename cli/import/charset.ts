/** The text of a document from its bytes. */
import { FeedFormatError } from './errors.ts';

/**
 * Text from the bytes of an XML document: a byte order mark wins, then the charset the server declared, then
 * the XML declaration's encoding, then UTF-8.
 */
export function decodeDocument(bytes: Uint8Array, declaredCharset?: string): string {
  let label = 'utf-8';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) label = 'utf-8';
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) label = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = 'utf-16be';
  else if (declaredCharset) label = declaredCharset;
  else {
    const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
    const declared = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
    if (declared?.[1]) label = declared[1];
  }
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    throw new FeedFormatError(`the document's character encoding ${label} is not supported`);
  }
}
