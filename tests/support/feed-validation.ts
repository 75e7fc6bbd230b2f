/**
 * Strict readers of the three feed formats the pipeline publishes. Each parser checks what its format's
 * specification and this project require, throws an Error naming the first problem, and returns the feed in
 * one shape so that formats can be compared with each other.
 *
 * Times are normalised with `new Date(x).toISOString()`. RSS `pubDate` is an RFC 822 date, which has no
 * fractional seconds, so an RSS item's `published` is the publication time truncated to the whole second.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import jsonFeedSchema from 'jsonfeed-schema/schema-v1.1.json' with { type: 'json' };
import { SaxesParser, type SaxesTagNS } from 'saxes';

export interface ParsedItem {
  id: string;
  title: string;
  link: string;
  published: string;
  updated: string;
  summary?: string;
  contentHtml?: string;
  tags: string[];
  author?: string;
}

/**
 * An article a feed announces as withdrawn: an RSS item with `media:status state="deleted"`, an Atom tombstone
 * (`at:deleted-entry`) or a JSON Feed item with `_withdrawn`. Kept apart from the feed's items.
 */
export interface ParsedWithdrawal {
  id: string;
  /** When it was withdrawn (RSS: to the whole second). */
  at: string;
  /** `retracted` or `expired`, where the format says (RSS `media:status reason`, JSON Feed `_withdrawn.status`). */
  status?: string;
  /** RSS and JSON Feed: the notice's link, the article's own. */
  link?: string;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'json';
  title: string;
  selfUrl: string;
  updated: string;
  items: ParsedItem[];
  withdrawn: ParsedWithdrawal[];
}

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  media: 'http://search.yahoo.com/mrss/',
  dcterms: 'http://purl.org/dc/terms/',
  tombstones: 'http://purl.org/atompub/tombstones/1.0',
  webfeeds: 'http://webfeeds.org/rss/1.0',
} as const;

/** The statuses a withdrawal may carry. */
const WITHDRAWN_STATUSES = ['retracted', 'expired'];

// ---------------------------------------------------------------------------------------------------------
// A small element tree built from saxes events
// ---------------------------------------------------------------------------------------------------------

export interface XmlAttribute {
  uri: string;
  local: string;
  value: string;
}

export interface XmlElement {
  /** Namespace URI ('' for none). */
  uri: string;
  local: string;
  /** Qualified name as written, for messages. */
  name: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** The element's own character data (text and CDATA, not that of its children), as the parser reports it. */
  text: string;
  /** Where the element sits, e.g. `rss/channel/item[2]/title`, for messages. */
  path: string;
}

/** Parses a whole XML document with saxes (namespaces on); any well-formedness or namespace error throws. */
export function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('error', (error) => {
    throw new Error(`XML is not well-formed: ${error.message}`);
  });
  parser.on('doctype', () => {
    throw new Error('XML must not contain a DOCTYPE');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const parent = stack.at(-1);
    const position = parent ? parent.children.filter((child) => child.name === tag.name).length + 1 : 1;
    const element: XmlElement = {
      uri: tag.uri,
      local: tag.local,
      name: tag.name,
      attributes: Object.values(tag.attributes).map((attribute) => ({
        uri: attribute.uri,
        local: attribute.local,
        value: attribute.value,
      })),
      children: [],
      text: '',
      path: parent ? `${parent.path}/${tag.name}${position > 1 ? `[${position}]` : ''}` : tag.name,
    };
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const addText = (text: string) => {
    const current = stack.at(-1);
    if (current) current.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.write(xml).close();
  if (!root) throw new Error('XML has no root element');
  return root;
}

function childrenOf(parent: XmlElement, uri: string, local: string): XmlElement[] {
  return parent.children.filter((child) => child.uri === uri && child.local === local);
}

function optionalChild(parent: XmlElement, uri: string, local: string): XmlElement | undefined {
  const found = childrenOf(parent, uri, local);
  if (found.length > 1)
    throw new Error(`${parent.path} has ${found.length} <${local}> elements; at most one`);
  return found[0];
}

function requiredChild(parent: XmlElement, uri: string, local: string): XmlElement {
  const found = optionalChild(parent, uri, local);
  if (!found) throw new Error(`${parent.path} has no <${local}>${uri ? ` (namespace ${uri})` : ''}`);
  return found;
}

function attribute(element: XmlElement, local: string, uri = ''): string | undefined {
  return element.attributes.find((candidate) => candidate.uri === uri && candidate.local === local)?.value;
}

function requiredAttribute(element: XmlElement, local: string): string {
  const value = attribute(element, local);
  if (value === undefined) throw new Error(`${element.path} has no ${local} attribute`);
  return value;
}

function nonEmptyText(element: XmlElement): string {
  if (element.text.trim() === '') throw new Error(`${element.path} is empty`);
  return element.text;
}

/** Every element of the tree, depth first. */
function walk(element: XmlElement): XmlElement[] {
  return [element, ...element.children.flatMap(walk)];
}

// ---------------------------------------------------------------------------------------------------------
// Value checks
// ---------------------------------------------------------------------------------------------------------

function assertHttpUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${where} is not an absolute URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${where} is not an http(s) URL: ${JSON.stringify(value)}`);
  if (value !== value.trim())
    throw new Error(`${where} has whitespace around the URL: ${JSON.stringify(value)}`);
  // RSS requires URIs (RFC 3986), and a feed reader compares them as strings: a tag in another script is carried
  // percent-encoded, never as raw UTF-8 (an IRI), and in the one spelling a URL parser gives it.
  if (/[^\x21-\x7e]/.test(value))
    throw new Error(`${where} is not a URI: it holds characters outside ASCII: ${JSON.stringify(value)}`);
  if (url.href !== value)
    throw new Error(
      `${where} is not in its normal form ${JSON.stringify(url.href)}: ${JSON.stringify(value)}`,
    );
  return value;
}

function assertEntryId(value: string, where: string): string {
  if (!/^urn:uuid:\S+$/.test(value))
    throw new Error(`${where} is not a urn:uuid: id: ${JSON.stringify(value)}`);
  return value;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ZONES: Record<string, number> = {
  UT: 0,
  GMT: 0,
  Z: 0,
  EST: -5 * 60,
  EDT: -4 * 60,
  CST: -6 * 60,
  CDT: -5 * 60,
  MST: -7 * 60,
  MDT: -6 * 60,
  PST: -8 * 60,
  PDT: -7 * 60,
};
const RFC822 =
  /^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}|\d{2}) (\d{2}):(\d{2})(?::(\d{2}))? (UT|GMT|Z|[ECMP][SD]T|[+-]\d{4})$/;

/**
 * Parses an RFC 822 date-time as RSS 2.0 allows it (two- or four-digit year), checking every field and that
 * the day of the week, when given, is the right one. Returns ISO 8601 UTC.
 */
export function parseRfc822(value: string, where = 'date'): string {
  const match = RFC822.exec(value.trim());
  if (!match) throw new Error(`${where} is not an RFC 822 date-time: ${JSON.stringify(value)}`);
  const [, weekday, day, month, year, hour, minute, second, zone] = match;
  let y = Number(year);
  if (year?.length === 2) y += y < 50 ? 2000 : 1900;
  const mo = MONTHS.indexOf(month ?? '');
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second ?? 0);
  if (h > 23 || mi > 59 || s > 59)
    throw new Error(`${where} has an impossible time: ${JSON.stringify(value)}`);
  const local = new Date(Date.UTC(y, mo, d, h, mi, s));
  if (local.getUTCDate() !== d || local.getUTCMonth() !== mo)
    throw new Error(`${where} has an impossible day: ${JSON.stringify(value)}`);
  if (weekday && WEEKDAYS[local.getUTCDay()] !== weekday)
    throw new Error(`${where} names the wrong day of the week: ${JSON.stringify(value)}`);
  let offset = ZONES[zone ?? ''];
  if (offset === undefined) {
    const sign = zone?.startsWith('-') ? -1 : 1;
    const hours = Number(zone?.slice(1, 3));
    const minutes = Number(zone?.slice(3, 5));
    if (hours > 23 || minutes > 59)
      throw new Error(`${where} has an impossible zone: ${JSON.stringify(value)}`);
    offset = sign * (hours * 60 + minutes);
  }
  return new Date(local.getTime() - offset * 60_000).toISOString();
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 date-time (a zone is required), checking every field. Returns ISO 8601 UTC. */
export function parseRfc3339(value: string, where = 'date'): string {
  const match = RFC3339.exec(value.trim());
  if (!match) throw new Error(`${where} is not an RFC 3339 date-time: ${JSON.stringify(value)}`);
  const [, year, month, day, hour, minute, second, , , zoneHour, zoneMinute] = match;
  const y = Number(year);
  const mo = Number(month) - 1;
  const d = Number(day);
  const check = new Date(Date.UTC(y, mo, d));
  if (mo < 0 || mo > 11 || check.getUTCDate() !== d || check.getUTCMonth() !== mo)
    throw new Error(`${where} has an impossible day: ${JSON.stringify(value)}`);
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    throw new Error(`${where} has an impossible time: ${JSON.stringify(value)}`);
  if (zoneHour !== undefined && (Number(zoneHour) > 23 || Number(zoneMinute) > 59))
    throw new Error(`${where} has an impossible zone: ${JSON.stringify(value)}`);
  const time = Date.parse(value.trim().toUpperCase());
  if (Number.isNaN(time)) throw new Error(`${where} is not a date: ${JSON.stringify(value)}`);
  return new Date(time).toISOString();
}

function assertUniqueIds(items: readonly { id: string }[], format: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) throw new Error(`${format}: id ${item.id} appears more than once`);
    seen.add(item.id);
  }
}

// ---------------------------------------------------------------------------------------------------------
// RSS 2.0
// ---------------------------------------------------------------------------------------------------------

const HTML_ESCAPES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/**
 * The text of an item's RSS description. A description holds HTML, and the pipeline's is a plain-text summary
 * escaped as HTML: it must hold no tag once read as XML (or a reader would render `a<b>c` with a bold `c`), and
 * its text is read back by decoding the HTML escapes once.
 */
function rssDescriptionText(element: XmlElement): string {
  if (element.text.includes('<'))
    throw new Error(
      `${element.path} holds markup; a summary is plain text, escaped as HTML: ${element.text}`,
    );
  return element.text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => HTML_ESCAPES[name] ?? '');
}

/** Parses an RSS 2.0 document with a strict XML parser (saxes, namespaces on) and checks what RSS 2.0 and this project require; throws an Error naming what is wrong. */
export function parseRss(xml: string): ParsedFeed {
  const root = parseXml(xml);
  if (root.uri !== '' || root.local !== 'rss')
    throw new Error(`RSS root element is <${root.name}>, not <rss>`);
  if (attribute(root, 'version') !== '2.0')
    throw new Error(`RSS version is ${JSON.stringify(attribute(root, 'version'))}, not "2.0"`);
  const channels = childrenOf(root, '', 'channel');
  if (channels.length !== 1) throw new Error(`RSS has ${channels.length} <channel> elements; exactly one`);
  const channel = channels[0] as XmlElement;

  const title = nonEmptyText(requiredChild(channel, '', 'title'));
  assertHttpUrl(requiredChild(channel, '', 'link').text, 'rss/channel/link');
  requiredChild(channel, '', 'description');
  nonEmptyText(requiredChild(channel, '', 'language'));
  const selfLinks = childrenOf(channel, NS.atom, 'link').filter((link) => attribute(link, 'rel') === 'self');
  if (selfLinks.length !== 1)
    throw new Error(`RSS channel has ${selfLinks.length} atom:link rel="self"; one`);
  const selfUrl = requiredAttribute(selfLinks[0] as XmlElement, 'href');
  const updated = parseRfc822(requiredChild(channel, '', 'lastBuildDate').text, 'rss/channel/lastBuildDate');
  const ttl = requiredChild(channel, '', 'ttl').text;
  if (!/^\d+$/.test(ttl.trim()))
    throw new Error(`RSS ttl is not a whole number of minutes: ${JSON.stringify(ttl)}`);
  const pubDate = optionalChild(channel, '', 'pubDate');
  if (pubDate) parseRfc822(pubDate.text, pubDate.path);
  // RSS 2.0: an image names its URL, and the title and link of the channel itself.
  if (childrenOf(channel, '', 'image').length > 1) throw new Error('RSS channel has more than one <image>');
  const image = optionalChild(channel, '', 'image');
  if (image) {
    assertHttpUrl(requiredChild(image, '', 'url').text, `${image.path}/url`);
    if (requiredChild(image, '', 'title').text !== requiredChild(channel, '', 'title').text)
      throw new Error(`${image.path}/title is not the channel's title`);
    if (requiredChild(image, '', 'link').text !== requiredChild(channel, '', 'link').text)
      throw new Error(`${image.path}/link is not the channel's link`);
  }
  // Feedly's webfeeds: one of each at most, URLs and a colour without its `#`.
  for (const local of ['icon', 'logo', 'accentColor']) {
    const found = childrenOf(channel, NS.webfeeds, local);
    if (found.length > 1) throw new Error(`RSS channel has ${found.length} webfeeds:${local}`);
    const element = found[0];
    if (!element) continue;
    if (local === 'accentColor') {
      if (!/^[0-9a-f]{6}$/i.test(element.text))
        throw new Error(`${element.path} is not a colour: ${element.text}`);
    } else assertHttpUrl(element.text, element.path);
  }

  // Every URL the document carries, wherever it is.
  for (const element of walk(channel)) {
    if (element.uri === '' && element.local === 'link') assertHttpUrl(element.text, element.path);
    if (element.uri === NS.atom && element.local === 'link')
      assertHttpUrl(requiredAttribute(element, 'href'), `${element.path}/@href`);
    if (element.uri === '' && element.local === 'source')
      assertHttpUrl(requiredAttribute(element, 'url'), `${element.path}/@url`);
    if (element.uri === '' && element.local === 'category') {
      const domain = attribute(element, 'domain');
      if (domain !== undefined) assertHttpUrl(domain, `${element.path}/@domain`);
    }
    if (element.uri === NS.media && element.local === 'content')
      assertHttpUrl(requiredAttribute(element, 'url'), `${element.path}/@url`);
    if (element.uri === '' && element.local === 'enclosure')
      assertHttpUrl(requiredAttribute(element, 'url'), `${element.path}/@url`);
  }

  const allItems = childrenOf(channel, '', 'item');
  // A notice carries an expiry in the past (`dcterms:valid`); a partner profile's notice may add `media:status`.
  const isWithdrawn = (item: XmlElement) =>
    optionalChild(item, NS.dcterms, 'valid') !== undefined ||
    optionalChild(item, NS.media, 'status') !== undefined;
  const withdrawn = allItems.filter(isWithdrawn).map(rssWithdrawal);
  const live = allItems.filter((item) => !isWithdrawn(item));
  const items = live.map((item): ParsedItem => {
    const guid = requiredChild(item, '', 'guid');
    if (attribute(guid, 'isPermaLink') !== 'false')
      throw new Error(
        `${guid.path} must have isPermaLink="false", has ${JSON.stringify(attribute(guid, 'isPermaLink'))}`,
      );
    const creator = optionalChild(item, NS.dc, 'creator');
    const parsed: ParsedItem = {
      id: assertEntryId(guid.text.trim(), guid.path),
      title: nonEmptyText(requiredChild(item, '', 'title')),
      link: assertHttpUrl(requiredChild(item, '', 'link').text.trim(), `${item.path}/link`),
      published: parseRfc822(requiredChild(item, '', 'pubDate').text, `${item.path}/pubDate`),
      updated: parseRfc3339(requiredChild(item, NS.atom, 'updated').text, `${item.path}/atom:updated`),
      summary: rssDescriptionText(requiredChild(item, '', 'description')),
      contentHtml: nonEmptyText(requiredChild(item, NS.content, 'encoded')),
      tags: childrenOf(item, '', 'category').map((category) => nonEmptyText(category)),
    };
    if (creator) parsed.author = nonEmptyText(creator);
    return parsed;
  });
  assertUniqueIds([...items, ...withdrawn], 'RSS');
  return { format: 'rss', title, selfUrl, updated, items, withdrawn };
}

/**
 * A withdrawn article's RSS item: the same guid, a notice for its text, `pubDate`, `atom:updated`, `dcterms:modified`
 * and `dcterms:valid` (an expiry in the past) all the time of the withdrawal; its status read from its title. Where
 * a partner profile adds `media:status` (SmartNews), it says deleted, as Media RSS writes it (`state`) and as
 * SmartNews's guide does (the value), and its reason is the status.
 */
function rssWithdrawal(item: XmlElement): ParsedWithdrawal {
  const guid = requiredChild(item, '', 'guid');
  if (attribute(guid, 'isPermaLink') !== 'false')
    throw new Error(`${guid.path} must have isPermaLink="false"`);
  const title = nonEmptyText(requiredChild(item, '', 'title'));
  const reason = WITHDRAWN_STATUSES.find((candidate) => title === `Article ${candidate}`);
  if (!reason) throw new Error(`${item.path}/title is not a withdrawal's: ${title}`);
  const status = optionalChild(item, NS.media, 'status');
  if (status) {
    if (attribute(status, 'state') !== 'deleted' || status.text.trim() !== 'deleted')
      throw new Error(`${status.path} must say deleted, as state and as value`);
    if (requiredAttribute(status, 'reason') !== reason)
      throw new Error(`${status.path}/@reason is not ${reason}`);
  }
  const at = parseRfc822(requiredChild(item, '', 'pubDate').text, `${item.path}/pubDate`);
  const exact = parseRfc3339(requiredChild(item, NS.atom, 'updated').text, `${item.path}/atom:updated`);
  for (const name of ['modified', 'valid']) {
    const value = parseRfc3339(requiredChild(item, NS.dcterms, name).text, `${item.path}/dcterms:${name}`);
    if (value !== exact) throw new Error(`${item.path}/dcterms:${name} is not the withdrawal time ${exact}`);
  }
  if (toWholeSecond(exact) !== at)
    throw new Error(`${item.path}/pubDate is not the withdrawal time ${exact}`);
  const notice = rssDescriptionText(requiredChild(item, '', 'description'));
  if (!/no longer available/.test(notice))
    throw new Error(`${item.path}/description is not a notice: ${notice}`);
  const link = optionalChild(item, '', 'link');
  return {
    id: assertEntryId(guid.text.trim(), guid.path),
    at,
    status: reason,
    ...(link ? { link: assertHttpUrl(link.text.trim(), link.path) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Atom 1.0
// ---------------------------------------------------------------------------------------------------------

function linksOf(parent: XmlElement, rel: string): XmlElement[] {
  return childrenOf(parent, NS.atom, 'link').filter(
    (link) => (attribute(link, 'rel') ?? 'alternate') === rel,
  );
}

function atomText(element: XmlElement): string {
  const type = attribute(element, 'type') ?? 'text';
  if (type !== 'text' && type !== 'html')
    throw new Error(`${element.path} has type ${JSON.stringify(type)}; this project writes text or html`);
  return element.text;
}

/** Parses an Atom 1.0 document (RFC 4287) with a strict XML parser and checks what RFC 4287 and this project require. */
export function parseAtom(xml: string): ParsedFeed {
  const feed = parseXml(xml);
  if (feed.uri !== NS.atom || feed.local !== 'feed')
    throw new Error(
      `Atom root element is <${feed.name}> in namespace ${JSON.stringify(feed.uri)}, not atom:feed`,
    );
  nonEmptyText(requiredChild(feed, NS.atom, 'id'));
  const title = nonEmptyText(requiredChild(feed, NS.atom, 'title'));
  atomText(requiredChild(feed, NS.atom, 'title'));
  const updated = parseRfc3339(requiredChild(feed, NS.atom, 'updated').text, 'feed/updated');
  const feedAuthors = childrenOf(feed, NS.atom, 'author');
  for (const author of feedAuthors) nonEmptyText(requiredChild(author, NS.atom, 'name'));
  if (feedAuthors.length === 0) throw new Error('Atom feed has no <author>');
  const self = linksOf(feed, 'self');
  if (self.length !== 1) throw new Error(`Atom feed has ${self.length} link rel="self"; exactly one`);
  const selfUrl = assertHttpUrl(requiredAttribute(self[0] as XmlElement, 'href'), 'feed/link[@rel=self]');
  if (linksOf(feed, 'alternate').length === 0) throw new Error('Atom feed has no link rel="alternate"');
  // RFC 4287 4.2.5 and 4.2.8: at most one icon and one logo, each an IRI.
  for (const local of ['icon', 'logo']) {
    const found = childrenOf(feed, NS.atom, local);
    if (found.length > 1) throw new Error(`Atom feed has ${found.length} <${local}>`);
    if (found[0]) assertHttpUrl(found[0].text, found[0].path);
  }

  for (const element of walk(feed)) {
    if (element.uri === NS.atom && element.local === 'link')
      assertHttpUrl(requiredAttribute(element, 'href'), `${element.path}/@href`);
    if (element.uri === NS.atom && element.local === 'uri') assertHttpUrl(element.text, element.path);
    if (element.uri === NS.atom && element.local === 'category' && !attribute(element, 'term')?.trim())
      throw new Error(`${element.path} has no term`);
    // RFC 4287 4.2.11: a source names its feed's id, title and updated time (the W3C validator warns without).
    if (element.uri === NS.atom && element.local === 'source') {
      nonEmptyText(requiredChild(element, NS.atom, 'id'));
      nonEmptyText(requiredChild(element, NS.atom, 'title'));
      parseRfc3339(requiredChild(element, NS.atom, 'updated').text, `${element.path}/updated`);
    }
    // Atom allows IRIs; this project writes every link as a URI, the same one its RSS carries.
    const scheme =
      element.uri === NS.atom && element.local === 'category' ? attribute(element, 'scheme') : undefined;
    if (scheme !== undefined) assertHttpUrl(scheme, `${element.path}/@scheme`);
  }

  const items = childrenOf(feed, NS.atom, 'entry').map((entry): ParsedItem => {
    const idElement = requiredChild(entry, NS.atom, 'id');
    const alternates = linksOf(entry, 'alternate');
    const htmlAlternates = alternates.filter((link) => (attribute(link, 'type') ?? '') === 'text/html');
    if (alternates.length === 0) throw new Error(`${entry.path} has no link rel="alternate"`);
    if (htmlAlternates.length > 1)
      throw new Error(`${entry.path} has more than one text/html alternate link`);
    const content = requiredChild(entry, NS.atom, 'content');
    if (attribute(content, 'type') !== 'html')
      throw new Error(`${content.path} has type ${JSON.stringify(attribute(content, 'type'))}, not "html"`);
    const summary = requiredChild(entry, NS.atom, 'summary');
    const titleElement = requiredChild(entry, NS.atom, 'title');
    const authors = childrenOf(entry, NS.atom, 'author');
    const parsed: ParsedItem = {
      id: assertEntryId(idElement.text.trim(), idElement.path),
      title: nonEmptyText(titleElement),
      link: assertHttpUrl(
        requiredAttribute((htmlAlternates[0] ?? alternates[0]) as XmlElement, 'href'),
        `${entry.path}/link`,
      ),
      published: parseRfc3339(requiredChild(entry, NS.atom, 'published').text, `${entry.path}/published`),
      updated: parseRfc3339(requiredChild(entry, NS.atom, 'updated').text, `${entry.path}/updated`),
      summary: atomText(summary),
      contentHtml: nonEmptyText(content),
      tags: childrenOf(entry, NS.atom, 'category').map((category) => {
        const label = attribute(category, 'label');
        if (label === undefined || label.trim() === '') throw new Error(`${category.path} has no label`);
        return label;
      }),
    };
    atomText(titleElement);
    const author = authors[0];
    if (author) parsed.author = nonEmptyText(requiredChild(author, NS.atom, 'name'));
    return parsed;
  });
  assertUniqueIds(items, 'Atom');
  // RFC 6721: a tombstone names the entry by its id, and says when it was deleted.
  const withdrawn = childrenOf(feed, NS.tombstones, 'deleted-entry').map(
    (tombstone): ParsedWithdrawal => ({
      id: assertEntryId(requiredAttribute(tombstone, 'ref'), `${tombstone.path}/@ref`),
      at: parseRfc3339(requiredAttribute(tombstone, 'when'), `${tombstone.path}/@when`),
    }),
  );
  assertUniqueIds([...items, ...withdrawn], 'Atom');
  return { format: 'atom', title, selfUrl, updated, items, withdrawn };
}

// ---------------------------------------------------------------------------------------------------------
// JSON Feed 1.1
// ---------------------------------------------------------------------------------------------------------

// ajv-formats is CommonJS: under NodeNext its default import is the module object, whose `default` is the plugin.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateJsonFeed = ajv.compile(jsonFeedSchema);

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`)
    .join('; ');
}

const URL_KEYS = new Set(['url', 'external_url', 'image', 'banner_image', 'icon', 'favicon', 'avatar']);

/** Every URL-valued property of a JSON Feed, by JSON pointer: the spec's URL fields and any `*_url` key. */
function jsonUrls(value: unknown, pointer = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((inner, index) => jsonUrls(inner, `${pointer}/${index}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]): [string, unknown][] => {
    const here = `${pointer}/${key}`;
    if (URL_KEYS.has(key) || key.endsWith('_url')) return [[here, inner]];
    return jsonUrls(inner, here);
  });
}

function requiredString(object: Record<string, unknown>, key: string, where: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') throw new Error(`${where} has no ${key}`);
  return value;
}

/** Parses a JSON Feed 1.1 document and validates it against jsonfeed-schema's schema-v1.1.json, then checks what this project requires. */
export function parseJsonFeed(text: string): ParsedFeed {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`JSON Feed is not JSON: ${(error as Error).message}`);
  }
  if (!validateJsonFeed(document))
    throw new Error(
      `JSON Feed does not match the JSON Feed 1.1 schema: ${describeErrors(validateJsonFeed.errors)}`,
    );
  const feed = document as Record<string, unknown>;
  if (feed.version !== 'https://jsonfeed.org/version/1.1')
    throw new Error(
      `JSON Feed version is ${JSON.stringify(feed.version)}, not https://jsonfeed.org/version/1.1`,
    );
  const title = requiredString(feed, 'title', 'JSON Feed');
  requiredString(feed, 'home_page_url', 'JSON Feed');
  const selfUrl = requiredString(feed, 'feed_url', 'JSON Feed');
  for (const [pointer, value] of jsonUrls(feed)) {
    if (typeof value !== 'string') throw new Error(`JSON Feed ${pointer} is not a string`);
    assertHttpUrl(value, `JSON Feed ${pointer}`);
  }
  const allItems = feed.items as Record<string, unknown>[];
  const withdrawn = allItems.flatMap((item, index) =>
    item._withdrawn === undefined ? [] : [jsonWithdrawal(item, `JSON Feed /items/${index}`)],
  );
  const rawItems = allItems.filter((item) => item._withdrawn === undefined);
  const items = rawItems.map((item, index): ParsedItem => {
    const where = `JSON Feed /items/${index}`;
    const tags = item.tags as string[] | undefined;
    const authors = item.authors as { name?: string }[] | undefined;
    const author = authors?.[0]?.name ?? (item.author as { name?: string } | undefined)?.name;
    const parsed: ParsedItem = {
      id: assertEntryId(requiredString(item, 'id', where), `${where}/id`),
      title: requiredString(item, 'title', where),
      link: requiredString(item, 'url', where),
      published: parseRfc3339(requiredString(item, 'date_published', where), `${where}/date_published`),
      updated: parseRfc3339(requiredString(item, 'date_modified', where), `${where}/date_modified`),
      contentHtml: requiredString(item, 'content_html', where),
      tags: tags ?? [],
    };
    if (typeof item.summary === 'string') parsed.summary = item.summary;
    if (author !== undefined) parsed.author = author;
    return parsed;
  });
  assertUniqueIds([...items, ...withdrawn], 'JSON Feed');
  // JSON Feed has no feed-level date: the newest modification of an item stands in for it.
  const updated =
    items
      .map((item) => item.updated)
      .sort()
      .at(-1) ?? '';
  return { format: 'json', title, selfUrl, updated, items, withdrawn };
}

/**
 * A withdrawn article's JSON Feed item: the same id, a notice in `content_text` (no HTML, never the article's),
 * `date_published` and `date_modified` the time of the withdrawal, and `_withdrawn` saying why and when.
 */
function jsonWithdrawal(item: Record<string, unknown>, where: string): ParsedWithdrawal {
  const extension = item._withdrawn as Record<string, unknown>;
  if (extension === null || typeof extension !== 'object')
    throw new Error(`${where}/_withdrawn is not an object`);
  const status = requiredString(extension, 'status', `${where}/_withdrawn`);
  if (!WITHDRAWN_STATUSES.includes(status)) throw new Error(`${where}/_withdrawn/status is ${status}`);
  const at = parseRfc3339(requiredString(extension, 'at', `${where}/_withdrawn`), `${where}/_withdrawn/at`);
  const reason = requiredString(extension, 'reason', `${where}/_withdrawn`);
  if (requiredString(item, 'content_text', where) !== reason)
    throw new Error(`${where}/content_text is not the notice`);
  if (item.content_html !== undefined || item.summary !== undefined || item.image !== undefined)
    throw new Error(`${where} keeps more than the notice`);
  for (const key of ['date_published', 'date_modified'])
    if (parseRfc3339(requiredString(item, key, where), `${where}/${key}`) !== at)
      throw new Error(`${where}/${key} is not the withdrawal time ${at}`);
  requiredString(item, 'title', where);
  const link = item.url;
  return {
    id: assertEntryId(requiredString(item, 'id', where), `${where}/id`),
    at,
    status,
    ...(typeof link === 'string' ? { link } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The three formats of one feed
// ---------------------------------------------------------------------------------------------------------

function toWholeSecond(iso: string): string {
  const time = Date.parse(iso);
  return new Date(time - (((time % 1000) + 1000) % 1000)).toISOString();
}

function sameValue(what: string, values: Record<string, unknown>): void {
  const [first, ...rest] = Object.values(values);
  if (rest.some((value) => JSON.stringify(value) !== JSON.stringify(first)))
    throw new Error(`${what} differs between formats: ${JSON.stringify(values)}`);
}

/** Parses the three formats of one feed and checks they hold the same items (same ids, order, titles, links, times). */
export function parseAllFormats(docs: { rss: string; atom: string; json: string }): {
  rss: ParsedFeed;
  atom: ParsedFeed;
  json: ParsedFeed;
} {
  const rss = parseRss(docs.rss);
  const atom = parseAtom(docs.atom);
  const json = parseJsonFeed(docs.json);
  sameValue('feed title', { rss: rss.title, atom: atom.title, json: json.title });
  sameValue('item ids (in order)', {
    rss: rss.items.map((item) => item.id),
    atom: atom.items.map((item) => item.id),
    json: json.items.map((item) => item.id),
  });
  atom.items.forEach((atomItem, index) => {
    const rssItem = rss.items[index] as ParsedItem;
    const jsonItem = json.items[index] as ParsedItem;
    const of = (field: string) => `${field} of ${atomItem.id}`;
    sameValue(of('title'), { rss: rssItem.title, atom: atomItem.title, json: jsonItem.title });
    sameValue(of('link'), { rss: rssItem.link, atom: atomItem.link, json: jsonItem.link });
    // RFC 822 has no fractional seconds: RSS carries the publication time to the whole second.
    sameValue(of('published'), {
      rss: rssItem.published,
      atom: toWholeSecond(atomItem.published),
      json: toWholeSecond(jsonItem.published),
    });
    sameValue(of('published'), { atom: atomItem.published, json: jsonItem.published });
    sameValue(of('updated'), { rss: rssItem.updated, atom: atomItem.updated, json: jsonItem.updated });
    sameValue(of('tags'), { rss: rssItem.tags, atom: atomItem.tags, json: jsonItem.tags });
    sameValue(of('summary'), { rss: rssItem.summary, atom: atomItem.summary, json: jsonItem.summary });
    sameValue(of('author'), { rss: rssItem.author, atom: atomItem.author, json: jsonItem.author });
  });
  // Each format announces the same withdrawals, at the same times; RSS and JSON Feed with the same status and link.
  const byId = (feed: ParsedFeed) =>
    feed.withdrawn.map((withdrawal) => [withdrawal.id, toWholeSecond(withdrawal.at)]).sort();
  sameValue('withdrawals', { rss: byId(rss), atom: byId(atom), json: byId(json) });
  const described = (feed: ParsedFeed) =>
    feed.withdrawn.map((withdrawal) => [withdrawal.id, withdrawal.status, withdrawal.link]).sort();
  sameValue('withdrawals (status and link)', { rss: described(rss), json: described(json) });
  return { rss, atom, json };
}
