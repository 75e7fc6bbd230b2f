/**
 * Raw XML helpers of the importer, for what is read around the items rather than by the feed parser: the root
 * element, the entities a DOCTYPE declares, feed-level text and attributes (CDATA sections, the five predefined
 * entities, character references and declared entities decoded here), and a best-effort title to name an item
 * that could not be read.
 */
import { collapseWhitespace, truncateText } from '#shared/text.ts';
import { ItemError } from './errors.ts';

export const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export type XmlNode = Record<string, unknown>;
export type Entities = ReadonlyMap<string, string>;

/** The root element's name and attributes, after the prolog; undefined when the text does not start as XML. */
export function rootElement(xml: string): { name: string; attributes: Record<string, string> } | undefined {
  const prolog = /^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^[>]*(?:\[[\s\S]*?\])?\s*>)*/i.exec(xml);
  const rest = xml.slice(prolog?.[0].length ?? 0);
  const start = /^<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/.exec(rest);
  if (!start?.[1]) return undefined;
  const attributes: Record<string, string> = {};
  for (const match of (start[2] ?? '').matchAll(/([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes[match[1] as string] = match[2] ?? match[3] ?? '';
  }
  return { name: start[1], attributes };
}

/** General entities with literal values declared in the DOCTYPE's internal subset (no nesting, no markup). */
export function declaredEntities(xml: string): Map<string, string> {
  const entities = new Map<string, string>();
  const doctype = /<!DOCTYPE[^[>]*\[([\s\S]*?)\]\s*>/i.exec(xml.slice(0, 64 * 1024));
  if (!doctype?.[1]) return entities;
  for (const match of doctype[1].matchAll(/<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"]*)"|'([^']*)')\s*>/g)) {
    const value = match[2] ?? match[3] ?? '';
    if (!/[&<%]/.test(value) && !entities.has(match[1] as string)) entities.set(match[1] as string, value);
  }
  return entities;
}

const REFERENCE = /^&(?:#(\d{1,7})|#x([0-9A-Fa-f]{1,6})|([A-Za-z_][\w.-]*));/;

export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The character a reference at the start of `text` stands for, and its length; throws an ItemError if none. */
function reference(text: string, entities: Entities): { value: string; length: number } {
  const match = REFERENCE.exec(text);
  if (!match) {
    const snippet = (text.slice(0, 16).split('<')[0] ?? '').trimEnd();
    throw new ItemError(`a bare & (at "${snippet}"); write &amp;`);
  }
  const [whole, decimal, hex, name] = match;
  if (name !== undefined) {
    const value = PREDEFINED[name] ?? entities.get(name);
    if (value === undefined)
      throw new ItemError(`undefined entity &${name}; (XML knows only &amp; &lt; &gt; &quot; &apos;)`);
    return { value, length: whole.length };
  }
  const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? '', 16);
  if (!isXmlChar(code)) throw new ItemError(`character reference ${whole} is not a character XML allows`);
  return { value: String.fromCodePoint(code), length: whole.length };
}

/**
 * Character data of an element as raw XML: CDATA sections are taken as they are, references are decoded,
 * comments dropped, and child elements (HTML that a feed left unescaped) kept as markup.
 */
function decodeXml(raw: string, entities: Entities): string {
  let out = '';
  let at = 0;
  while (at < raw.length) {
    const lt = raw.indexOf('<', at);
    const amp = raw.indexOf('&', at);
    const next = lt < 0 ? amp : amp < 0 ? lt : Math.min(lt, amp);
    if (next < 0) {
      out += raw.slice(at);
      break;
    }
    out += raw.slice(at, next);
    at = next;
    if (raw[at] === '&') {
      const { value, length } = reference(raw.slice(at, at + 40), entities);
      out += value;
      at += length;
    } else if (raw.startsWith('<![CDATA[', at)) {
      const end = raw.indexOf(']]>', at + 9);
      if (end < 0) throw new ItemError('a CDATA section is not closed');
      out += raw.slice(at + 9, end);
      at = end + 3;
    } else if (raw.startsWith('<!--', at)) {
      const end = raw.indexOf('-->', at + 4);
      at = end < 0 ? raw.length : end + 3;
    } else if (raw.startsWith('<?', at)) {
      const end = raw.indexOf('?>', at + 2);
      at = end < 0 ? raw.length : end + 2;
    } else {
      const end = tagEnd(raw, at);
      out += raw.slice(at, end);
      at = end;
    }
  }
  return out;
}

/** The index just after the `>` that closes the tag starting at `start`, skipping quoted attribute values. */
function tagEnd(raw: string, start: number): number {
  let quote = '';
  for (let at = start + 1; at < raw.length; at++) {
    const c = raw[at];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return at + 1;
  }
  return raw.length;
}

export function asNode(value: unknown): XmlNode | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as XmlNode)
    : undefined;
}

export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Decoded character data of a raw (stop-node) element. */
function text(node: unknown, entities: Entities): string {
  if (typeof node === 'string') return decodeXml(node, entities);
  const element = asNode(node);
  const raw = element?.['#text'];
  return typeof raw === 'string' ? decodeXml(raw, entities) : '';
}

function attr(node: XmlNode, name: string, entities: Entities): string | undefined {
  const raw = node[`@${name}`];
  return typeof raw === 'string' ? decodeXml(raw, entities) : undefined;
}

/** Feed-level text, where a bad reference only means the value is not there. */
export function safeText(node: unknown, entities: Entities): string | undefined {
  try {
    return text(node, entities).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function safeAttr(node: XmlNode, name: string, entities: Entities): string | undefined {
  try {
    return attr(node, name, entities)?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A best-effort title of a raw item, to name it when it cannot be imported. */
export function titleHint(raw: string, entities: Entities): string | undefined {
  const match = /<(?:[\w.-]+:)?title\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?title>/.exec(raw);
  if (!match?.[1]) return undefined;
  let value: string;
  try {
    value = decodeXml(match[1], entities);
  } catch {
    value = match[1];
  }
  const hint = collapseWhitespace(value.replace(/<[^>]*>/g, ''));
  return hint ? truncateText(hint, 80) : undefined;
}
