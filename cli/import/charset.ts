/** The text of a document from its bytes, whatever the publisher said or forgot to say about its encoding. */
import { FeedFormatError } from './errors.ts';

/** Where the encoding came from, strongest first. */
export type CharsetEvidence = 'bom' | 'xml-declaration' | 'http-header' | 'valid-utf-8' | 'fallback';

export interface DecodedDocument {
  text: string;
  /** The WHATWG name of the encoding used (`utf-8`, `windows-1252`, …). */
  encoding: string;
  evidence: CharsetEvidence;
  /** Set when a declared encoding was not believed, and why. */
  note?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * windows-1252's characters for the bytes 0x80 to 0x9F (the five it leaves undefined stay C1 controls, as WHATWG
 * says). Node 20's TextDecoder decodes `windows-1252` as ISO-8859-1, giving C1 controls where a Latin-1 site's
 * curly quotes, dashes and euro signs are, so the table is applied here.
 */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c);
}

/** A TextDecoder, but windows-1252 (what `latin1` and `iso-8859-1` also name) read as WHATWG defines it. */
function decode(encoding: string, bytes: Uint8Array): string {
  return encoding === 'windows-1252' ? decodeWindows1252(bytes) : new TextDecoder(encoding).decode(bytes);
}

/** Whether the bytes are valid UTF-8 throughout. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The `encoding` of an XML declaration at the very start of the bytes, read as ASCII. */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  return /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
}

/** The WHATWG encoding a label names, or undefined when TextDecoder does not know it. */
function encodingOf(label: string): string | undefined {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
}

/**
 * Decodes a feed's bytes. The encoding comes from, in order: a byte order mark, the XML declaration, the charset of
 * the HTTP `Content-Type`, else the bytes themselves: UTF-8 when they are valid UTF-8, windows-1252 (which
 * covers ISO-8859-1) when not. A document declared UTF-8 whose bytes are not is read as windows-1252 too, the
 * usual mistake of a Latin-1 site behind a UTF-8 template; the note says so.
 */
export function detectAndDecode(bytes: Uint8Array, headerCharset?: string): DecodedDocument {
  const bom = bomEncoding(bytes);
  if (bom) return { text: new TextDecoder(bom).decode(bytes), encoding: bom, evidence: 'bom' };
  const declared: [string, CharsetEvidence][] = [];
  const xml = declaredEncoding(bytes);
  if (xml) declared.push([xml, 'xml-declaration']);
  if (headerCharset) declared.push([headerCharset, 'http-header']);
  for (const [label, evidence] of declared) {
    const encoding = encodingOf(label);
    if (!encoding) {
      throw new FeedFormatError(`the document's character encoding ${label} is not supported`);
    }
    if (encoding === 'utf-8' && !isValidUtf8(bytes)) {
      return {
        text: decodeWindows1252(bytes),
        encoding: 'windows-1252',
        evidence: 'fallback',
        note: `declared ${label} (${evidence}) but the bytes are not valid UTF-8: read as windows-1252`,
      };
    }
    return { text: decode(encoding, bytes), encoding, evidence };
  }
  if (isValidUtf8(bytes)) return { text: utf8.decode(bytes), encoding: 'utf-8', evidence: 'valid-utf-8' };
  return {
    text: decodeWindows1252(bytes),
    encoding: 'windows-1252',
    evidence: 'fallback',
  };
}

/** The text of a feed's bytes; see {@link detectAndDecode}. */
export function decodeDocument(bytes: Uint8Array, headerCharset?: string): string {
  return detectAndDecode(bytes, headerCharset).text;
}
