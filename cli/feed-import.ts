/**
 * Reading an existing RSS 2.0 or Atom 1.0 feed into article submissions, for `npm run import`.
 *
 * The document is split into its items first and each item is then checked and parsed on its own, so an item
 * that is not well-formed, uses an undefined entity or lacks what an article needs is reported and skipped
 * while the others are imported. Character data is decoded here (CDATA sections, the five predefined entities,
 * character references and simple entities declared in the document's DOCTYPE), not by the XML parser, so an
 * entity error stays confined to the item it is in.
 */
import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import sanitizeHtml from 'sanitize-html';
import { LIMITS, parseRfc3339 } from '#shared/articles/submission.ts';
import { htmlToText } from '#shared/html.ts';
import { tagSlug } from '#shared/slug.ts';
import { collapseWhitespace, truncateText } from '#shared/text.ts';

export type FeedKind = 'rss' | 'atom';

/** One item of a feed, with what an article needs, ready to become a submission. */
export interface ImportItem {
  /** Position of the item in the document, from 0. */
  index: number;
  /** What names the item across imports: its guid (RSS) or id (Atom), else its link. */
  identity: string;
  title: string;
  /** Absolute http(s) URL. */
  url: string;
  contentHtml: string;
  /** Plain text. */
  summary?: string;
  /** RFC 3339 in UTC. */
  publishedAt?: string;
  /** Labels, in document order. */
  tags: string[];
  author?: string;
  image?: { url: string; alt?: string };
  /** What was left out of the item without making it unusable. */
  warnings: string[];
}

/** An item that cannot be imported, and why. */
export interface ItemProblem {
  /** Position of the item in the document, from 0. */
  index: number;
  /** Its title, when one could be read, to name it in reports. */
  title?: string;
  reason: string;
}

export interface ParsedFeedDocument {
  kind: FeedKind;
  title?: string;
  /** What relative links of the items were resolved against, if anything. */
  baseUrl?: string;
  items: ImportItem[];
  problems: ItemProblem[];
}

/** The body of `POST /articles`, as the API accepts it. */
export interface SubmissionBody {
  source: string;
  title: string;
  url: string;
  contentHtml: string;
  summary?: string;
  author?: { name: string };
  tags?: string[];
  image?: { url: string; alt?: string };
  publishedAt?: string;
}

/** A submission with the idempotency key that makes posting it again harmless. */
export interface PreparedSubmission {
  index: number;
  identity: string;
  idempotencyKey: string;
  body: SubmissionBody;
  warnings: string[];
}

/** The input is not an RSS 2.0 or Atom 1.0 document at all. */
export class FeedFormatError extends Error {
  override name = 'FeedFormatError';
}

/** The input could not be read: a missing file, a refused URL, an HTTP error, a timeout. */
export class FeedInputError extends Error {
  override name = 'FeedInputError';
}

/** A reason to skip one item. */
class ItemError extends Error {
  override name = 'ItemError';
}

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

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

type XmlNode = Record<string, unknown>;
type Entities = ReadonlyMap<string, string>;

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

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function checkedDate(iso: string, field: string, raw: string): string {
  if (Date.parse(iso) < 0) throw new ItemError(`${field} "${raw}" is before 1970, which the API refuses`);
  return iso;
}

function unusableLink(ref: string, base: string | undefined): string {
  try {
    const url = new URL(ref, base);
    return `no usable link: "${ref}" uses ${url.protocol.replace(':', '')}, not http(s)`;
  } catch {
    return base
      ? `no usable link: "${ref}" is not a URL`
      : `no usable link: "${ref}" is relative and the feed gives no base to resolve it against`;
  }
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
/** RFC 822 zone names, in minutes east of UTC (military single letters other than Z are ambiguous: refused). */
const ZONES: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};
const RFC822 =
  /^(?:[A-Za-z]{2,9}\.?\s*,?\s*)?(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([+-])(\d{2}):?(\d{2})|([A-Za-z]{1,5}))\s*(?:\([^()]*\))?$/;

/**
 * Reads an RFC 822 date (as updated by RFC 1123 and RFC 2822, what RSS 2.0 uses) and returns it as RFC 3339
 * in UTC, or undefined when it is not one. The weekday is optional and not checked against the date (feeds get
 * it wrong often enough); seconds are optional; two-digit years are 1950 to 2049; the zone is required.
 */
export function parseRfc822Date(value: string): string | undefined {
  const match = RFC822.exec(value.trim());
  if (!match) return undefined;
  const [, day, monthName, yearText, hour, minute, second, sign, zoneHours, zoneMinutes, zoneName] = match;
  const lower = (monthName ?? '').toLowerCase();
  let month = MONTHS.indexOf(lower);
  if (month < 0) month = MONTH_NAMES.indexOf(lower);
  if (month < 0 && lower === 'sept') month = 8;
  if (month < 0) return undefined;
  let year = Number(yearText);
  if ((yearText ?? '').length === 2) year += year < 50 ? 2000 : 1900;
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second ?? '0');
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) return undefined;
  let offset: number;
  if (zoneName !== undefined) {
    const named = ZONES[zoneName.toUpperCase()];
    if (named === undefined) return undefined;
    offset = named;
  } else {
    const oh = Number(zoneHours);
    const om = Number(zoneMinutes);
    if (oh > 23 || om > 59) return undefined;
    offset = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const time = Date.UTC(year, month, d, h, mi, s) - offset * 60_000;
  return new Date(time).toISOString();
}

/** `import:` and the SHA-256 of the source and the item's guid, id or link: the same item, the same key. */
export function idempotencyKeyFor(source: string, identity: string): string {
  return `import:${createHash('sha256').update(`${source}\n${identity}`, 'utf8').digest('hex')}`;
}

/**
 * The API request for an item: what the API would refuse but can be cut to fit is cut, with a warning (the
 * first 10 tags, a long title or summary), so one long field does not lose the article.
 */
export function toSubmission(item: ImportItem, source: string): PreparedSubmission {
  const warnings = [...item.warnings];
  const cut = (value: string, max: number, what: string) => {
    if (Array.from(value).length <= max) return value;
    warnings.push(`${what} cut to ${max} characters`);
    return truncateText(value, max);
  };
  const body: SubmissionBody = {
    source,
    title: cut(item.title, LIMITS.titleChars, 'title'),
    url: item.url,
    contentHtml: item.contentHtml,
  };
  if (item.summary) body.summary = cut(item.summary, LIMITS.summaryChars, 'summary');
  if (item.author) body.author = { name: cut(item.author, LIMITS.nameChars, 'author') };
  const tags = fitTags(item.tags, warnings);
  if (tags.length) body.tags = tags;
  if (item.image) {
    body.image = item.image.alt
      ? { url: item.image.url, alt: cut(item.image.alt, LIMITS.altChars, 'image description') }
      : { url: item.image.url };
  }
  if (item.publishedAt) body.publishedAt = item.publishedAt;
  return {
    index: item.index,
    identity: item.identity,
    idempotencyKey: idempotencyKeyFor(source, item.identity),
    body,
    warnings,
  };
}

/** Tags the API accepts: no label it cannot slug, none over 100 characters, one per slug, at most 10. */
function fitTags(labels: readonly string[], warnings: string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const raw of labels) {
    const label = collapseWhitespace(raw);
    if (Array.from(label).length > LIMITS.tagChars) {
      warnings.push(`tag "${truncateText(label, 40)}" dropped: longer than ${LIMITS.tagChars} characters`);
      continue;
    }
    const { slug, problem } = tagSlug(label);
    if (slug === undefined) {
      // The words importers have always printed for a label with nothing to slug; the limit's own words otherwise.
      const why = /letter or digit/.test(problem)
        ? 'it has no letter or digit to make a slug of'
        : `it ${problem}`;
      warnings.push(`tag "${truncateText(label, 40)}" dropped: ${why}`);
      continue;
    }
    if (seen.has(slug)) continue;
    seen.add(slug);
    kept.push(label);
  }
  if (kept.length <= LIMITS.tags) return kept;
  const dropped = kept.slice(LIMITS.tags);
  warnings.push(
    `kept the first ${LIMITS.tags} of ${kept.length} tags; dropped ${dropped.map((tag) => `"${tag}"`).join(', ')}`,
  );
  return kept.slice(0, LIMITS.tags);
}

/** Counts of an import in progress. */
export interface ImportTally {
  total: number;
  done: number;
  created: number;
  replayed: number;
  skipped: number;
  failed: number;
}

/** One line of progress: `[#####.....] 12/40 created 10, replayed 2, skipped 0`. */
export function progressLine(tally: ImportTally, width = 10): string {
  const ratio = tally.total === 0 ? 1 : Math.min(1, tally.done / tally.total);
  const filled = Math.floor(ratio * width);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${tally.done}/${tally.total} ` +
    `created ${tally.created}, replayed ${tally.replayed}, skipped ${tally.skipped}` +
    (tally.failed ? `, failed ${tally.failed}` : '')
  );
}

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

export interface FetchOptions {
  /** For the whole exchange, redirects and body included. */
  timeoutMs?: number;
  maxRedirects?: number;
  maxBytes?: number;
}

/**
 * Fetches a feed over http(s): follows at most `maxRedirects` redirects (to http(s) URLs only), gives up after
 * `timeoutMs`, refuses a body over `maxBytes`. Returns the text and the URL it finally came from, which is
 * the document's base for relative links.
 */
export async function fetchFeed(
  input: string,
  { timeoutMs = 30_000, maxRedirects = 5, maxBytes = 20 * 1024 * 1024 }: FetchOptions = {},
): Promise<{ text: string; url: string }> {
  let url = httpUrl(input);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(url, {
        redirect: 'manual',
        signal,
        headers: {
          accept:
            'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1',
          'user-agent': 'feed-pipeline-import',
        },
      });
      if (response.status >= 300 && response.status < 400 && response.status !== 304) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (!location) throw new FeedInputError(`${url} answered ${response.status} without a Location`);
        if (redirects >= maxRedirects) {
          throw new FeedInputError(`${input} redirects more than ${maxRedirects} times; giving up`);
        }
        url = httpUrl(new URL(location, url).href, `${url} redirects to`);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new FeedInputError(`${url} answered ${response.status} ${response.statusText}`.trim());
      }
      const bytes = await readBody(response, maxBytes, url);
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(response.headers.get('content-type') ?? '')?.[1];
      return { text: decodeDocument(bytes, charset), url };
    }
  } catch (error) {
    if (error instanceof FeedInputError || error instanceof FeedFormatError) throw error;
    if (signal.aborted) throw new FeedInputError(`${input} did not answer within ${timeoutMs / 1000} s`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new FeedInputError(
      `cannot fetch ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message ?? String(error)}`,
    );
  }
}

function httpUrl(value: string, context = 'refusing'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FeedInputError(`${value} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedInputError(`${context} ${value}: only http and https URLs are fetched`);
  }
  return url.href;
}

async function readBody(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new FeedInputError(`${url} is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

// --- XML helpers ---

/** The root element's name and attributes, after the prolog; undefined when the text does not start as XML. */
function rootElement(xml: string): { name: string; attributes: Record<string, string> } | undefined {
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
function declaredEntities(xml: string): Map<string, string> {
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

function isXmlChar(code: number): boolean {
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

/** The first reference error in raw XML, outside CDATA sections and comments; undefined when there is none. */
function referenceProblem(raw: string, entities: Entities): string | undefined {
  const outside = raw.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, '');
  for (let at = outside.indexOf('&'); at >= 0; at = outside.indexOf('&', at + 1)) {
    try {
      reference(outside.slice(at, at + 40), entities);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
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

function asNode(value: unknown): XmlNode | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as XmlNode)
    : undefined;
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function first(value: unknown): unknown {
  return list(value)[0];
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

function attrOf(node: unknown, name: string, entities: Entities): string | undefined {
  const element = asNode(node);
  return element ? attr(element, name, entities) : undefined;
}

/** Feed-level text, where a bad reference only means the value is not there. */
function safeText(node: unknown, entities: Entities): string | undefined {
  try {
    return text(node, entities).trim() || undefined;
  } catch {
    return undefined;
  }
}

function safeAttr(node: XmlNode, name: string, entities: Entities): string | undefined {
  try {
    return attr(node, name, entities)?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A best-effort title of a raw item, to name it when it cannot be imported. */
function titleHint(raw: string, entities: Entities): string | undefined {
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

/** An absolute http(s) URL from a reference and an optional base; undefined when there is none. */
export function absoluteUrl(ref: string | undefined, base?: string): string | undefined {
  const value = ref?.trim();
  if (!value) return undefined;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
