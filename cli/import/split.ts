/**
 * Isolating broken items, which a feed parser does not do: one unclosed tag or bad reference makes a whole
 * document unreadable to it, or silently swallows the items after it. The document is split into its items
 * first (the items are kept raw, unparsed), each item is checked on its own, and each is then handed to the
 * parser alone, wrapped in a one-item document that carries the root's namespace declarations.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FeedFormatError, ItemError } from './errors.ts';
import { absoluteUrl } from './urls.ts';
import {
  asNode,
  declaredEntities,
  type Entities,
  isXmlChar,
  list,
  PREDEFINED,
  rootElement,
  safeAttr,
  safeText,
  type XmlNode,
} from './xml.ts';

export type XmlFeedKind = 'rss' | 'atom' | 'rdf';

/** One item as it is written in the document. */
export interface RawItem {
  index: number;
  /** The item's element name as written (`item`, `entry`, `atom:entry`). */
  tag: string;
  /** Its attributes, as written (references not decoded). */
  attributes: Record<string, string>;
  /** What is between its start and end tags, as written. */
  inner: string;
}

export interface SplitDocument {
  kind: XmlFeedKind;
  /** The root's start tag, with every attribute (namespace declarations included). */
  rootStart: string;
  rootName: string;
  entities: Entities;
  title?: string;
  /** What relative links of the items resolve against, if anything. */
  base?: string;
  /** Atom: the feed's authors, which entries without their own inherit. */
  feedAuthor?: string;
  items: RawItem[];
}

const NAMESPACES: Record<string, string> = {
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://search.yahoo.com/mrss/': 'media',
  'http://search.yahoo.com/mrss': 'media',
  'http://www.w3.org/2005/Atom': 'atom',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
};
const ATOM_NS = 'http://www.w3.org/2005/Atom';
const RSS1_NS = 'http://purl.org/rss/1.0/';

/**
 * The items of an RSS 2.0, Atom 1.0 or RSS 1.0 (RDF) document, raw, with what the document says about all of
 * them (title, base URL, Atom feed author). Throws a {@link FeedFormatError} when the document is not one.
 */
export function splitFeed(xml: string, documentUrl: string | undefined): SplitDocument {
  const text = xml.replace(/^\uFEFF/, '');
  const root = rootElement(text);
  if (!root) {
    throw new FeedFormatError('not an RSS, Atom or JSON feed: the input is not an XML or JSON document');
  }
  const prefixes = new Map<string, string>();
  for (const [name, value] of Object.entries(root.attributes)) {
    if (name === 'xmlns') prefixes.set('', value);
    else if (name.startsWith('xmlns:')) prefixes.set(name.slice(6), value);
  }
  const rootPrefix = root.name.includes(':') ? root.name.slice(0, root.name.indexOf(':')) : '';
  const rootLocal = root.name.slice(root.name.indexOf(':') + 1);
  const rootNs = prefixes.get(rootPrefix);
  let kind: XmlFeedKind;
  if (root.name === 'rss') kind = 'rss';
  else if (rootLocal === 'feed' && (rootNs === ATOM_NS || rootNs === undefined)) kind = 'atom';
  else if (rootLocal === 'RDF' && [...prefixes.values()].includes(RSS1_NS)) kind = 'rdf';
  else {
    throw new FeedFormatError(
      `not an RSS, Atom or JSON feed: the document's root element is <${root.name}>${rootNs ? ` in ${rootNs}` : ''}`,
    );
  }

  const transformTagName = (name: string): string => {
    const colon = name.indexOf(':');
    if (colon < 0) return name;
    const uri = prefixes.get(name.slice(0, colon));
    const canonical = uri === undefined ? undefined : NAMESPACES[uri];
    if (canonical === undefined) return name;
    if (kind === 'atom' && uri === ATOM_NS) return name.slice(colon + 1);
    return `${canonical}:${name.slice(colon + 1)}`;
  };
  const rootKey = transformTagName(root.name);
  const itemLocal = kind === 'atom' ? 'entry' : 'item';
  const stopNodes =
    kind === 'rss'
      ? ['rss.channel.item', 'rss.channel.link', 'rss.channel.title']
      : kind === 'atom'
        ? [`${rootKey}.entry`, `${rootKey}.title`, `${rootKey}.author.name`]
        : [`${rootKey}.item`, `${rootKey}.channel.link`, `${rootKey}.channel.title`];
  const outer = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    transformTagName,
    stopNodes,
  });
  let document: XmlNode;
  try {
    document = outer.parse(text) as XmlNode;
  } catch (error) {
    throw new FeedFormatError(`not well-formed XML: ${(error as Error).message}`);
  }
  const entities = declaredEntities(text);
  const docUrl = absoluteUrl(documentUrl);
  let rawItems: unknown[];
  let title: string | undefined;
  let base: string | undefined;
  let feedAuthor: string | undefined;
  if (kind === 'rss' || kind === 'rdf') {
    const top = asNode(document[rootKey]);
    const channel = asNode(top?.channel);
    if (!top || (kind === 'rss' && !channel)) {
      throw new FeedFormatError('not an RSS 2.0 feed: <rss> has no <channel>');
    }
    rawItems = list(kind === 'rss' ? channel?.item : top.item);
    title = channel && safeText(channel.title, entities);
    const xmlBase = absoluteUrl(
      (channel && safeAttr(channel, 'xml:base', entities)) ?? safeAttr(top, 'xml:base', entities),
      docUrl,
    );
    const context = xmlBase ?? docUrl;
    const channelLink = channel && absoluteUrl(safeText(channel.link, entities), context);
    const self = list(channel?.['atom:link'])
      .map(asNode)
      .find((link) => link && safeAttr(link, 'rel', entities) === 'self');
    base = xmlBase ?? channelLink ?? docUrl ?? absoluteUrl(self && safeAttr(self, 'href', entities));
  } else {
    const atom = asNode(document[rootKey]);
    if (!atom) throw new FeedFormatError('not an Atom 1.0 feed: <feed> could not be read');
    rawItems = list(atom.entry);
    title = safeText(atom.title, entities);
    const xmlBase = absoluteUrl(safeAttr(atom, 'xml:base', entities), docUrl);
    const context = xmlBase ?? docUrl;
    const links = list(atom.link)
      .map(asNode)
      .filter((link): link is XmlNode => link !== undefined);
    const relOf = (link: XmlNode) => safeAttr(link, 'rel', entities) ?? 'alternate';
    const hrefOf = (link: XmlNode | undefined) =>
      link && absoluteUrl(safeAttr(link, 'href', entities), context);
    base =
      xmlBase ??
      docUrl ??
      hrefOf(links.find((link) => relOf(link) === 'alternate')) ??
      hrefOf(links.find((link) => relOf(link) === 'self'));
    const names = list(atom.author)
      .map(asNode)
      .map((author) => safeText(author?.name, entities))
      .filter((name): name is string => Boolean(name));
    feedAuthor = names.length ? names.map((name) => name.replace(/\s+/g, ' ')).join(', ') : undefined;
  }
  const itemTag = rootPrefix && kind === 'atom' ? `${rootPrefix}:${itemLocal}` : itemLocal;
  const items = rawItems.map((raw, index): RawItem => {
    const node = asNode(raw);
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(node ?? {})) {
      if (name.startsWith('@') && typeof value === 'string') attributes[name.slice(1)] = value;
    }
    const inner = typeof raw === 'string' ? raw : String(node?.['#text'] ?? '');
    return { index, tag: itemTag, attributes, inner };
  });
  const rootStart = `<${root.name}${Object.entries(root.attributes)
    .map(([name, value]) => ` ${name}="${value.replace(/"/g, '&quot;')}"`)
    .join('')}>`;
  return {
    kind,
    rootStart,
    rootName: root.name,
    entities,
    ...(title ? { title } : {}),
    ...(base ? { base } : {}),
    ...(feedAuthor ? { feedAuthor } : {}),
    items,
  };
}

const REFERENCE = /&(?:#(\d{1,7})|#x([0-9A-Fa-f]{1,6})|([A-Za-z_][\w.-]*));/y;

/**
 * The item's markup with its references made XML: entities the DOCTYPE declares replaced by their text, a bare
 * `&` escaped, and (when `neutralise` is set) HTML entities XML does not know escaped too, so that only the
 * element structure is left to judge. CDATA sections and comments stay as they are. Throws an ItemError for a
 * character reference to a character XML forbids, which no reader can show.
 */
function normaliseReferences(raw: string, entities: Entities, neutralise: boolean): string {
  let out = '';
  let at = 0;
  while (at < raw.length) {
    const amp = raw.indexOf('&', at);
    const cdata = raw.indexOf('<![CDATA[', at);
    const comment = raw.indexOf('<!--', at);
    const skip = [cdata, comment].filter((index) => index >= 0);
    const nextSkip = skip.length ? Math.min(...skip) : -1;
    if (amp < 0 && nextSkip < 0) {
      out += raw.slice(at);
      break;
    }
    if (nextSkip >= 0 && (amp < 0 || nextSkip < amp)) {
      const end = raw.indexOf(nextSkip === cdata ? ']]>' : '-->', nextSkip);
      const stop = end < 0 ? raw.length : end + 3;
      out += raw.slice(at, stop);
      at = stop;
      continue;
    }
    out += raw.slice(at, amp);
    REFERENCE.lastIndex = amp;
    const match = REFERENCE.exec(raw);
    if (!match) {
      out += '&amp;';
      at = amp + 1;
      continue;
    }
    const [whole, decimal, hex, name] = match;
    if (name === undefined) {
      const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? '', 16);
      if (!isXmlChar(code)) {
        throw new ItemError(`entity error: character reference ${whole} is not a character XML allows`);
      }
      out += whole;
    } else if (PREDEFINED[name] !== undefined) out += whole;
    else if (entities.has(name)) out += entities.get(name);
    else out += neutralise ? `&amp;${name};` : whole;
    at = amp + whole.length;
  }
  return out;
}

/**
 * The item alone as a document the feed parser reads: the root with its namespace declarations, and for RSS
 * its channel. Throws an ItemError when the item is not well-formed XML; HTML entities XML does not know
 * (`&nbsp;`, `&eacute;`) and a bare `&` are not errors: the parser reads them as a browser would.
 */
export function itemDocument(doc: SplitDocument, item: RawItem): string {
  const attributes = Object.entries(item.attributes)
    .map(([name, value]) => ` ${name}="${value.replace(/"/g, '&quot;')}"`)
    .join('');
  const checked = normaliseReferences(item.inner, doc.entities, true);
  const valid = XMLValidator.validate(`<${item.tag}>${checked}</${item.tag}>`);
  if (valid !== true) throw new ItemError(`not well-formed XML: ${valid.err.msg}`);
  const element = `<${item.tag}${attributes}>${normaliseReferences(item.inner, doc.entities, false)}</${item.tag}>`;
  const body =
    doc.kind === 'rss'
      ? `<channel><title>-</title><link>https://example.invalid/</link><description>-</description>${element}</channel>`
      : doc.kind === 'rdf'
        ? `<channel rdf:about="https://example.invalid/"><title>-</title><link>https://example.invalid/</link><description>-</description></channel>${element}`
        : element;
  return `${doc.rootStart}${body}</${doc.rootName}>`;
}
