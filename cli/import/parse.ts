/**
 * Reading an existing RSS 2.0 or Atom 1.0 feed into article submissions, for `npm run import`.
 *
 * The document is split into its items first and each item is then checked and parsed on its own, so an item
 * that is not well-formed, uses an undefined entity or lacks what an article needs is reported and skipped
 * while the others are imported. Character data is decoded here (CDATA sections, the five predefined entities,
 * character references and simple entities declared in the document's DOCTYPE), not by the XML parser, so an
 * entity error stays confined to the item it is in.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseRfc3339 } from '#shared/articles/submission.ts';
import { htmlToText } from '#shared/html.ts';
import { collapseWhitespace } from '#shared/text.ts';
import { checkedDate, parseRfc822Date } from './dates.ts';
import { FeedFormatError, ItemError } from './errors.ts';
import { absolutizeLinks, textToParagraphs } from './html.ts';
import type { FeedKind, ImportItem, ItemProblem, ParsedFeedDocument } from './types.ts';
import { absoluteUrl, unusableLink } from './urls.ts';
import {
  asNode,
  attr,
  attrOf,
  declaredEntities,
  decodeXml,
  type Entities,
  first,
  list,
  referenceProblem,
  rootElement,
  safeAttr,
  safeText,
  text,
  titleHint,
  type XmlNode,
} from './xml.ts';

const NAMESPACES: Record<string, string> = {
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://search.yahoo.com/mrss/': 'media',
  'http://search.yahoo.com/mrss': 'media',
  'http://www.w3.org/2005/Atom': 'atom',
};
const ATOM_NS = 'http://www.w3.org/2005/Atom';

/** Elements whose content is decoded here, kept raw by the parser. */
const TEXT_ELEMENTS: Record<FeedKind, string[]> = {
  rss: [
    'title',
    'link',
    'description',
    'content:encoded',
    'pubDate',
    'dc:date',
    'category',
    'dc:creator',
    'author',
    'guid',
    'media:title',
    'media:description',
  ],
  atom: [
    'title',
    'content',
    'summary',
    'published',
    'updated',
    'id',
    'name',
    'media:title',
    'media:description',
  ],
};

interface DocumentContext {
  kind: FeedKind;
  entities: Entities;
  /** Base for relative links of the items. */
  base: string | undefined;
  /** Atom: the feed's authors, which entries without their own inherit. */
  feedAuthor: string | undefined;
}

/**
 * Splits an RSS 2.0 or Atom 1.0 document into importable items and problems, one per item that cannot be
 * imported. Relative links resolve against xml:base, else the document's own URL (`documentUrl`, when it was
 * fetched), else the feed's link. Throws a {@link FeedFormatError} when the document is not a feed at all.
 */
export function parseFeedDocument(xml: string, options: { documentUrl?: string } = {}): ParsedFeedDocument {
  const text = xml.replace(/^\uFEFF/, '');
  const root = rootElement(text);
  if (!root) {
    throw new FeedFormatError('not an RSS 2.0 or Atom 1.0 feed: the input is not an XML document');
  }
  const prefixes = new Map<string, string>();
  for (const [name, value] of Object.entries(root.attributes)) {
    if (name === 'xmlns') prefixes.set('', value);
    else if (name.startsWith('xmlns:')) prefixes.set(name.slice(6), value);
  }
  const rootPrefix = root.name.includes(':') ? root.name.slice(0, root.name.indexOf(':')) : '';
  const rootLocal = root.name.slice(root.name.indexOf(':') + 1);
  const rootNs = prefixes.get(rootPrefix);
  let kind: FeedKind;
  if (root.name === 'rss') kind = 'rss';
  else if (rootLocal === 'feed' && (rootNs === ATOM_NS || rootNs === undefined)) kind = 'atom';
  else if (rootLocal === 'RDF') {
    throw new FeedFormatError('RSS 1.0 (RDF) is not supported: the importer reads RSS 2.0 and Atom 1.0');
  } else {
    throw new FeedFormatError(
      `not an RSS 2.0 or Atom 1.0 feed: the document's root element is <${root.name}>${rootNs ? ` in ${rootNs}` : ''}`,
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
  const parserOptions = {
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    transformTagName,
  } as const;
  const outer = new XMLParser({
    ...parserOptions,
    stopNodes: [
      'rss.channel.item',
      'rss.channel.link',
      'rss.channel.title',
      'feed.entry',
      'feed.title',
      'feed.author.name',
    ],
  });
  let document: XmlNode;
  try {
    document = outer.parse(text) as XmlNode;
  } catch (error) {
    throw new FeedFormatError(`not well-formed XML: ${(error as Error).message}`);
  }
  const entities = declaredEntities(text);
  const documentUrl = absoluteUrl(options.documentUrl);
  let rawItems: unknown[];
  let title: string | undefined;
  let base: string | undefined;
  let feedAuthor: string | undefined;
  if (kind === 'rss') {
    const rss = asNode(document.rss);
    const channel = asNode(rss?.channel);
    if (!rss || !channel) throw new FeedFormatError('not an RSS 2.0 feed: <rss> has no <channel>');
    rawItems = list(channel.item);
    title = safeText(channel.title, entities);
    const xmlBase = absoluteUrl(
      safeAttr(channel, 'xml:base', entities) ?? safeAttr(rss, 'xml:base', entities),
      documentUrl,
    );
    const context = xmlBase ?? documentUrl;
    const channelLink = absoluteUrl(safeText(channel.link, entities), context);
    const self = list(channel['atom:link'])
      .map(asNode)
      .find((link) => link && safeAttr(link, 'rel', entities) === 'self');
    base = xmlBase ?? channelLink ?? documentUrl ?? absoluteUrl(self && safeAttr(self, 'href', entities));
  } else {
    const atom = asNode(document[transformTagName(root.name)]);
    if (!atom) throw new FeedFormatError('not an Atom 1.0 feed: <feed> could not be read');
    rawItems = list(atom.entry);
    title = safeText(atom.title, entities);
    const xmlBase = absoluteUrl(safeAttr(atom, 'xml:base', entities), documentUrl);
    const context = xmlBase ?? documentUrl;
    const links = list(atom.link)
      .map(asNode)
      .filter((link): link is XmlNode => link !== undefined);
    const relOf = (link: XmlNode) => safeAttr(link, 'rel', entities) ?? 'alternate';
    const hrefOf = (link: XmlNode | undefined) =>
      link && absoluteUrl(safeAttr(link, 'href', entities), context);
    base =
      xmlBase ??
      documentUrl ??
      hrefOf(links.find((link) => relOf(link) === 'alternate')) ??
      hrefOf(links.find((link) => relOf(link) === 'self'));
    feedAuthor = authorsOf(atom, entities);
  }

  const context: DocumentContext = { kind, entities, base, feedAuthor };
  const inner = new XMLParser({
    ...parserOptions,
    stopNodes: TEXT_ELEMENTS[kind].map((name) => `*.${name}`),
  });
  const items: ImportItem[] = [];
  const problems: ItemProblem[] = [];
  const seen = new Map<string, number>();
  rawItems.forEach((raw, index) => {
    const rawText = typeof raw === 'string' ? raw : String(asNode(raw)?.['#text'] ?? '');
    const rawTitle = titleHint(rawText, entities);
    try {
      const item = readItem(index, raw, rawText, inner, context);
      const first = seen.get(item.identity);
      if (first !== undefined) {
        throw new ItemError(
          `same ${kind === 'rss' ? 'guid' : 'id'} as item ${first + 1} (${item.identity}); only the first is imported`,
        );
      }
      seen.set(item.identity, index);
      items.push(item);
    } catch (error) {
      problems.push({
        index,
        ...(rawTitle ? { title: rawTitle } : {}),
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  });
  return {
    kind,
    ...(title ? { title: collapseWhitespace(title) } : {}),
    ...(base ? { baseUrl: base } : {}),
    items,
    problems,
  };
}

function readItem(
  index: number,
  raw: unknown,
  rawText: string,
  parser: XMLParser,
  context: DocumentContext,
): ImportItem {
  const element = context.kind === 'rss' ? 'item' : 'entry';
  const referenceError = referenceProblem(rawText, context.entities);
  if (referenceError) throw new ItemError(`entity error: ${referenceError}`);
  const wrapped = `<${element}>${rawText}</${element}>`;
  const valid = XMLValidator.validate(wrapped);
  if (valid !== true) throw new ItemError(`not well-formed XML: ${valid.err.msg}`);
  const node = asNode((parser.parse(wrapped) as XmlNode)[element]) ?? {};
  const itemBase = asNode(raw) ? attr(asNode(raw) as XmlNode, 'xml:base', context.entities) : undefined;
  const base = itemBase === undefined ? context.base : absoluteUrl(itemBase, context.base);
  return context.kind === 'rss'
    ? readRssItem(index, node, base, context.entities)
    : readAtomEntry(index, node, base, context);
}

function readRssItem(index: number, node: XmlNode, base: string | undefined, entities: Entities): ImportItem {
  const warnings: string[] = [];
  const title = collapseWhitespace(text(first(node.title), entities));
  if (!title) throw new ItemError('no title');

  const guidNode = first(node.guid);
  const guid = text(guidNode, entities).trim();
  const rawLink = text(first(node.link), entities).trim();
  let url: string | undefined;
  if (rawLink) {
    url = absoluteUrl(rawLink, base);
    if (!url) throw new ItemError(unusableLink(rawLink, base));
  } else if (guid && attrOf(guidNode, 'isPermaLink', entities)?.trim() !== 'false') {
    url = absoluteUrl(guid, base);
  }
  if (!url) throw new ItemError('no usable link: neither <link> nor a permalink <guid>');

  const encoded = text(first(node['content:encoded']), entities).trim();
  const description = text(first(node.description), entities).trim();
  const contentHtml = encoded || description;
  if (!contentHtml) throw new ItemError('no content: neither <content:encoded> nor <description>');
  const summary = description ? htmlToText(description) : '';

  const publishedAt = rssDate(node, entities);
  const tags = list(node.category)
    .map((category) => collapseWhitespace(text(category, entities)))
    .filter(Boolean);
  const creators = list(node['dc:creator'])
    .map((creator) => collapseWhitespace(text(creator, entities)))
    .filter(Boolean);
  const author = creators.length ? creators.join(', ') : rssAuthor(text(first(node.author), entities));
  const image = rssImage(node, base, entities, warnings);
  return {
    index,
    identity: guid || url,
    title,
    url,
    contentHtml,
    ...(summary ? { summary } : {}),
    ...(publishedAt ? { publishedAt } : {}),
    tags,
    ...(author ? { author } : {}),
    ...(image ? { image } : {}),
    warnings,
  };
}

function rssDate(node: XmlNode, entities: Entities): string | undefined {
  const pubDate = collapseWhitespace(text(first(node.pubDate), entities));
  if (pubDate) {
    const parsed = parseRfc822Date(pubDate) ?? parseRfc3339(pubDate);
    if (!parsed) throw new ItemError(`pubDate "${pubDate}" is not an RFC 822 date`);
    return checkedDate(parsed, 'pubDate', pubDate);
  }
  const dcDate = collapseWhitespace(text(first(node['dc:date']), entities));
  if (dcDate) {
    const parsed = parseRfc3339(dcDate);
    if (!parsed) throw new ItemError(`dc:date "${dcDate}" is not an RFC 3339 date-time`);
    return checkedDate(parsed, 'dc:date', dcDate);
  }
  return undefined;
}

/** RSS `author` is an email address, often with the name in parentheses: `desk@example.com (Jo Bloggs)`. */
function rssAuthor(value: string): string | undefined {
  const author = collapseWhitespace(value);
  const named = /^\S+@\S+\s*\((.+)\)$/.exec(author);
  return (named?.[1] ? collapseWhitespace(named[1]) : author) || undefined;
}

function rssImage(
  node: XmlNode,
  base: string | undefined,
  entities: Entities,
  warnings: string[],
): { url: string; alt?: string } | undefined {
  const isImageType = (media: XmlNode) => /^image\//i.test(attr(media, 'type', entities) ?? '');
  const enclosure = list(node.enclosure)
    .map(asNode)
    .find((candidate) => candidate && isImageType(candidate));
  if (enclosure) return imageFrom(attr(enclosure, 'url', entities), undefined, base, warnings);
  return mediaImage(node, base, entities, warnings);
}

/** `media:content` (medium image or an image type), else `media:thumbnail`, also inside `media:group`. */
function mediaImage(
  node: XmlNode,
  base: string | undefined,
  entities: Entities,
  warnings: string[],
): { url: string; alt?: string } | undefined {
  const groups = [node, ...list(node['media:group']).map(asNode)].filter(
    (g): g is XmlNode => g !== undefined,
  );
  const contents = groups.flatMap((group) => list(group['media:content']).map(asNode));
  const content = contents.find(
    (media) =>
      media &&
      (attr(media, 'medium', entities) === 'image' || /^image\//i.test(attr(media, 'type', entities) ?? '')),
  );
  const altOf = (media: XmlNode) =>
    collapseWhitespace(
      text(first(media['media:description']), entities) || text(first(media['media:title']), entities),
    ) || undefined;
  if (content) return imageFrom(attr(content, 'url', entities), altOf(content), base, warnings);
  const thumbnail = groups.flatMap((group) => list(group['media:thumbnail']).map(asNode)).find(Boolean);
  if (thumbnail) return imageFrom(attr(thumbnail, 'url', entities), undefined, base, warnings);
  return undefined;
}

function imageFrom(
  raw: string | undefined,
  alt: string | undefined,
  base: string | undefined,
  warnings: string[],
): { url: string; alt?: string } | undefined {
  const ref = raw?.trim();
  if (!ref) return undefined;
  const url = absoluteUrl(ref, base);
  if (!url) {
    warnings.push(`image "${ref}" is not an absolute http(s) URL; imported without an image`);
    return undefined;
  }
  return alt ? { url, alt } : { url };
}

function readAtomEntry(
  index: number,
  node: XmlNode,
  base: string | undefined,
  context: DocumentContext,
): ImportItem {
  const { entities } = context;
  const warnings: string[] = [];
  const titleConstruct = textConstruct(first(node.title), entities);
  const title = titleConstruct ? constructText(titleConstruct) : '';
  if (!title) throw new ItemError('no title');

  const id = collapseWhitespace(text(first(node.id), entities));
  const links = list(node.link)
    .map(asNode)
    .filter((link): link is XmlNode => link !== undefined)
    .map((link) => {
      const linkBase = attr(link, 'xml:base', entities);
      return {
        rel: attr(link, 'rel', entities)?.trim() || 'alternate',
        type: attr(link, 'type', entities)?.trim() ?? '',
        href: attr(link, 'href', entities)?.trim() ?? '',
        base: linkBase === undefined ? base : absoluteUrl(linkBase, base),
      };
    })
    .filter((link) => link.href);
  const page =
    links.find((link) => link.rel === 'alternate') ?? links.find((link) => link.rel !== 'enclosure');
  let url: string | undefined;
  if (page) {
    url = absoluteUrl(page.href, page.base);
    if (!url) throw new ItemError(unusableLink(page.href, page.base));
  } else if (id) {
    url = absoluteUrl(id);
  }
  if (!url) throw new ItemError('no usable link: no <link href> and the id is not an http(s) URL');

  const content = textConstruct(first(node.content), entities);
  const summaryConstruct = textConstruct(first(node.summary), entities);
  const html = (content && constructHtml(content)) || (summaryConstruct && constructHtml(summaryConstruct));
  if (!html) throw new ItemError('no content: neither an inline <content> nor a <summary>');
  // Relative URLs in Atom content mean the entry's xml:base (RFC 4287), not the article's link, which the API
  // would resolve them against: make them absolute here.
  const contentHtml = base ? absolutizeLinks(html, base) : html;
  const summary = summaryConstruct ? constructText(summaryConstruct) : '';

  const published = collapseWhitespace(text(first(node.published), entities));
  const updated = collapseWhitespace(text(first(node.updated), entities));
  const dateField = published ? 'published' : 'updated';
  const dateText = published || updated;
  let publishedAt: string | undefined;
  if (dateText) {
    const parsed = parseRfc3339(dateText);
    if (!parsed) throw new ItemError(`${dateField} "${dateText}" is not an RFC 3339 date-time`);
    publishedAt = checkedDate(parsed, dateField, dateText);
  }

  const tags = list(node.category)
    .map(asNode)
    .map((category) =>
      collapseWhitespace(
        (category && (attr(category, 'label', entities) || attr(category, 'term', entities))) ?? '',
      ),
    )
    .filter(Boolean);
  const author = authorsOf(node, entities) ?? context.feedAuthor;
  const enclosure = links.find((link) => link.rel === 'enclosure' && /^image\//i.test(link.type));
  const image = enclosure
    ? imageFrom(enclosure.href, undefined, enclosure.base, warnings)
    : mediaImage(node, base, entities, warnings);
  return {
    index,
    identity: id || url,
    title,
    url,
    contentHtml,
    ...(summary ? { summary } : {}),
    ...(publishedAt ? { publishedAt } : {}),
    tags,
    ...(author ? { author } : {}),
    ...(image ? { image } : {}),
    warnings,
  };
}

function authorsOf(node: XmlNode, entities: Entities): string | undefined {
  const names = list(node.author)
    .map(asNode)
    .map((author) => collapseWhitespace(text(first(author?.name), entities)))
    .filter(Boolean);
  return names.length ? names.join(', ') : undefined;
}

interface TextConstruct {
  type: 'text' | 'html' | 'xhtml';
  value: string;
}

/** An Atom text construct (title, summary, content); undefined when it is absent or not inline text. */
function textConstruct(node: unknown, entities: Entities): TextConstruct | undefined {
  if (node === undefined) return undefined;
  const element = asNode(node);
  if (element && attr(element, 'src', entities) !== undefined) return undefined;
  const type = (element ? attr(element, 'type', entities)?.trim().toLowerCase() : undefined) ?? 'text';
  const raw = typeof node === 'string' ? node : String(element?.['#text'] ?? '');
  if (type === 'xhtml' || type === 'application/xhtml+xml') return { type: 'xhtml', value: xhtmlInner(raw) };
  if (type === 'html' || type === 'text/html')
    return { type: 'html', value: decodeXml(raw, entities).trim() };
  if (type === 'text' || type.startsWith('text/')) return { type: 'text', value: decodeXml(raw, entities) };
  // Any other media type is base64 or XML of another kind: nothing a reader can show as text.
  return undefined;
}

/** The markup inside an xhtml construct's wrapping `div`, without namespace prefixes on its elements. */
function xhtmlInner(raw: string): string {
  const unprefixed = raw.replace(/<(\/?)[A-Za-z_][\w.-]*:/g, '<$1');
  const wrapped = /^\s*<div\b[^>]*>([\s\S]*)<\/div>\s*$/.exec(unprefixed);
  return (wrapped?.[1] ?? unprefixed).trim();
}

function constructHtml(construct: TextConstruct): string {
  if (construct.type !== 'text') return construct.value;
  return textToParagraphs(construct.value);
}

function constructText(construct: TextConstruct): string {
  return construct.type === 'text' ? collapseWhitespace(construct.value) : htmlToText(construct.value);
}
