/**
 * Reading an RSS 2.0, Atom 1.0, RSS 1.0 (RDF) or JSON Feed document into importable items, with feedsmith.
 *
 * feedsmith reads one item at a time ({@link itemDocument} isolates them), so an item that is not well-formed
 * or lacks what an article needs is reported and skipped while the others are imported. What it returns is
 * mapped here onto what an article needs: a title, an absolute link, content, a date (read by `dates.ts`,
 * which says when it had to guess), tags, an author and an image.
 */
import {
  type AtomFeed,
  type JsonFeed,
  parseFeed,
  parseJsonFeed,
  type RdfFeed,
  type RssFeed,
} from 'feedsmith';
import { htmlToText } from '#shared/html.ts';
import { collapseWhitespace, decodeReferences, truncateText } from '#shared/text.ts';
import { checkedDate, readFeedDate } from './dates.ts';
import { FeedFormatError, ItemError } from './errors.ts';
import { absolutizeLinks, escapeHtml, textToParagraphs } from './html.ts';
import { itemDocument, type RawItem, type SplitDocument, splitFeed } from './split.ts';
import type { ImportItem, ItemProblem, ParsedFeedDocument } from './types.ts';
import { absoluteUrl, unusableLink } from './urls.ts';
import { titleHint } from './xml.ts';

type RssItem = RssFeed.Item<string>;
type AtomEntry = AtomFeed.Entry<string>;
type RdfItem = RdfFeed.Item<string>;
type JsonItem = JsonFeed.Item<string>;
type Image = { url: string; alt?: string };
type MediaBlock = NonNullable<RssItem['media']>;

/**
 * Splits a feed into importable items and problems, one per item that cannot be imported. Relative links
 * resolve against xml:base, else the document's own URL (`documentUrl`, when it was fetched), else the feed's
 * link. Throws a {@link FeedFormatError} when the document is not a feed at all.
 */
export function parseFeedDocument(input: string, options: { documentUrl?: string } = {}): ParsedFeedDocument {
  const text = input.replace(/^\uFEFF/, '');
  if (/^\s*\{/.test(text)) return parseJsonDocument(text, options.documentUrl);
  const doc = splitFeed(text, options.documentUrl);
  const items: ImportItem[] = [];
  const problems: ItemProblem[] = [];
  const seen = new Map<string, number>();
  for (const raw of doc.items) {
    try {
      const item = readXmlItem(doc, raw);
      const first = seen.get(item.identity);
      if (first !== undefined) {
        const what = doc.kind === 'atom' ? 'id' : 'guid';
        throw new ItemError(
          `same ${what} as item ${first + 1} (${item.identity}); only the first is imported`,
        );
      }
      seen.set(item.identity, raw.index);
      items.push(item);
    } catch (error) {
      if (!(error instanceof ItemError)) throw error;
      const hint = titleHint(raw.inner, doc.entities);
      problems.push({ index: raw.index, ...(hint ? { title: hint } : {}), reason: error.message });
    }
  }
  return {
    kind: doc.kind,
    ...(doc.title ? { title: collapseWhitespace(decodeReferences(doc.title)) } : {}),
    ...(doc.base ? { baseUrl: doc.base } : {}),
    items,
    problems,
  };
}

function readXmlItem(doc: SplitDocument, raw: RawItem): ImportItem {
  const xml = itemDocument(doc, raw);
  let parsed: ReturnType<typeof parseFeed>;
  try {
    parsed = parseFeed(xml);
  } catch (error) {
    throw new ItemError(`not a feed item: ${(error as Error).message}`);
  }
  const itemBase = raw.attributes['xml:base'];
  const base = itemBase === undefined ? doc.base : absoluteUrl(decodeReferences(itemBase), doc.base);
  if (parsed.format === 'rss') {
    const item = parsed.feed.items?.[0];
    if (!item) throw new ItemError('not a feed item: nothing could be read of it');
    return readRssItem(raw.index, item as RssItem, base);
  }
  if (parsed.format === 'atom') {
    const entry = parsed.feed.entries?.[0];
    if (!entry) throw new ItemError('not a feed item: nothing could be read of it');
    return readAtomEntry(raw.index, entry as AtomEntry, base, raw.inner, doc.feedAuthor);
  }
  if (parsed.format === 'rdf') {
    const item = parsed.feed.items?.[0];
    if (!item) throw new ItemError('not a feed item: nothing could be read of it');
    return readRdfItem(raw.index, item as RdfItem, base, raw.attributes['rdf:about']);
  }
  throw new ItemError(`not a feed item: read as ${parsed.format}`);
}

/** A feed's text as plain text: references a publisher escaped twice are read too, whitespace folded. */
function plain(value: string | undefined): string {
  return collapseWhitespace(decodeReferences(value ?? ''));
}

/** The item's link, absolute; an ItemError when it is there but unusable. */
function linkOf(ref: string | undefined, base: string | undefined): string | undefined {
  const value = ref?.trim();
  if (!value) return undefined;
  const url = absoluteUrl(value, base);
  if (!url) throw new ItemError(unusableLink(value, base));
  return url;
}

/** A short body for an item that has a title and a link but nothing else: a link to the original. */
function linkBody(title: string, url: string, warnings: string[]): string {
  warnings.push('no content in the feed: imported with a link to the original');
  return `<p><a href="${escapeHtml(url)}">${escapeHtml(title)}</a></p>`;
}

function dateOf(value: string | undefined, field: string, expected: string, warnings: string[]) {
  const written = collapseWhitespace(value ?? '');
  if (!written) return undefined;
  const read = readFeedDate(written);
  if (!read) throw new ItemError(`${field} "${written}" is not ${expected}`);
  const iso = checkedDate(read.iso, field, written);
  if (read.guessed) warnings.push(`${field} "${written}" guessed as ${iso}`);
  return { iso, guessed: read.guessed };
}

/** What a format's reader found of an item, before empty fields are left out. */
type Found = Pick<
  ImportItem,
  'index' | 'identity' | 'title' | 'url' | 'contentHtml' | 'tags' | 'warnings'
> & {
  summary: string;
  author: string | undefined;
  image: ImportItem['image'] | undefined;
};

/** The item every format's reader makes: an empty summary, author or image left out, and the date as it was read. */
function importItem(found: Found, date: { iso: string; guessed: boolean } | undefined): ImportItem {
  const { index, identity, title, url, contentHtml, summary, tags, author, image, warnings } = found;
  return {
    index,
    identity,
    title,
    url,
    contentHtml,
    ...(summary ? { summary } : {}),
    tags,
    ...(author ? { author } : {}),
    ...(image ? { image } : {}),
    warnings,
    ...(date ? { publishedAt: date.iso, ...(date.guessed ? { dateGuessed: true } : {}) } : {}),
  };
}

function readRssItem(index: number, node: RssItem, base: string | undefined): ImportItem {
  const warnings: string[] = [];
  const title = plain(node.title);
  if (!title) throw new ItemError('no title');
  const guid = node.guid?.value?.trim() ?? '';
  let url = linkOf(node.link, base);
  if (!url && guid && node.guid?.isPermaLink !== false) url = absoluteUrl(guid, base);
  if (!url) throw new ItemError('no usable link: neither <link> nor a permalink <guid>');

  const encoded = node.content?.encoded?.trim() ?? '';
  const description = node.description?.trim() ?? '';
  const contentHtml = encoded || description || linkBody(title, url, warnings);
  const summary = description ? htmlToText(description) : '';
  const date =
    dateOf(node.pubDate, 'pubDate', 'an RFC 822 date', warnings) ??
    dateOf(node.dc?.dates?.[0], 'dc:date', 'an RFC 3339 date-time', warnings);
  const tags = (node.categories ?? []).map((category) => plain(category.name)).filter(Boolean);
  const creators = (node.dc?.creators ?? []).map(plain).filter(Boolean);
  const author = creators.length ? creators.join(', ') : rssAuthor(node.authors?.[0]);
  const enclosure = (node.enclosures ?? []).find((candidate) => /^image\//i.test(candidate.type ?? ''));
  const image = enclosure
    ? imageFrom(enclosure.url, undefined, base, warnings)
    : mediaImage(node.media, base, warnings);
  return importItem(
    {
      index,
      identity: guid || url,
      title,
      url,
      contentHtml,
      summary,
      tags,
      author,
      image,
      warnings,
    },
    date,
  );
}

/** RSS `author` is an email address, often with the name in parentheses: `desk@example.com (Jo Bloggs)`. */
function rssAuthor(person: RssFeed.Person | undefined): string | undefined {
  if (!person) return undefined;
  if (typeof person === 'string') return plain(person) || undefined;
  const named = person as { name?: string; email?: string };
  return plain(named.name) || plain(named.email) || undefined;
}

/** `media:content` (medium image or an image type), else `media:thumbnail`, also inside `media:group`. */
function mediaImage(media: MediaBlock | undefined, base: string | undefined, warnings: string[]) {
  if (!media) return undefined;
  const blocks = [media, ...(media.groups ?? [])];
  const contents = blocks.flatMap((block) => block.contents ?? []);
  const content = contents.find(
    (candidate) => candidate.medium === 'image' || /^image\//i.test(candidate.type ?? ''),
  );
  if (content) {
    const described = content as { description?: { value?: string }; title?: { value?: string } };
    const alt = plain(described.description?.value) || plain(described.title?.value) || undefined;
    return imageFrom(content.url, alt, base, warnings);
  }
  const thumbnail = blocks.flatMap((block) => block.thumbnails ?? [])[0];
  return thumbnail ? imageFrom(thumbnail.url, undefined, base, warnings) : undefined;
}

function imageFrom(
  raw: string | undefined,
  alt: string | undefined,
  base: string | undefined,
  warnings: string[],
): Image | undefined {
  const ref = raw?.trim();
  if (!ref) return undefined;
  const url = absoluteUrl(ref, base);
  if (!url) {
    warnings.push(`image "${ref}" is not an absolute http(s) URL; imported without an image`);
    return undefined;
  }
  return alt ? { url, alt } : { url };
}

/** `xml:base` of each `link` element of an entry, by its href: feedsmith keeps no xml:base on links. */
function linkBases(inner: string): Map<string, string> {
  const bases = new Map<string, string>();
  for (const [tag] of inner.matchAll(/<(?:[\w.-]+:)?link\b[^>]*>/g)) {
    const base = /\sxml:base\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(tag);
    const href = /\shref\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(tag);
    if (base && href)
      bases.set(decodeReferences(href[1] ?? href[2] ?? ''), decodeReferences(base[1] ?? base[2] ?? ''));
  }
  return bases;
}

function readAtomEntry(
  index: number,
  node: AtomEntry,
  base: string | undefined,
  inner: string,
  feedAuthor: string | undefined,
): ImportItem {
  const warnings: string[] = [];
  const title = node.title ? constructText(node.title) : '';
  if (!title) throw new ItemError('no title');
  const id = collapseWhitespace(node.id ?? '');
  const bases = linkBases(inner);
  const links = (node.links ?? [])
    .map((link) => {
      const href = link.href?.trim() ?? '';
      const linkBase = bases.get(href);
      return {
        rel: link.rel?.trim() || 'alternate',
        type: link.type?.trim() ?? '',
        href,
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

  const content = node.content && !node.content.src ? constructHtml(node.content) : '';
  const summaryHtml = node.summary ? constructHtml(node.summary) : '';
  const html = content || summaryHtml;
  // Relative URLs in Atom content mean the entry's xml:base (RFC 4287), not the article's link, which the API
  // would resolve them against: make them absolute here.
  const contentHtml = html ? (base ? absolutizeLinks(html, base) : html) : linkBody(title, url, warnings);
  const summary = node.summary ? constructText(node.summary) : '';
  const date = node.published
    ? dateOf(node.published, 'published', 'an RFC 3339 date-time', warnings)
    : dateOf(node.updated, 'updated', 'an RFC 3339 date-time', warnings);
  const tags = (node.categories ?? [])
    .map((category) => plain(category.label || category.term))
    .filter(Boolean);
  const names = (node.authors ?? []).map((author) => plain(author.name)).filter(Boolean);
  const author = names.length ? names.join(', ') : feedAuthor;
  const enclosure = links.find((link) => link.rel === 'enclosure' && /^image\//i.test(link.type));
  const media = (node as { media?: MediaBlock }).media;
  const image = enclosure
    ? imageFrom(enclosure.href, undefined, enclosure.base, warnings)
    : mediaImage(media, base, warnings);
  return importItem(
    {
      index,
      identity: id || url,
      title,
      url,
      contentHtml,
      summary,
      tags,
      author,
      image,
      warnings,
    },
    date,
  );
}

/** The kind of an Atom text construct: text, html, xhtml, or another media type (nothing to show). */
function constructType(construct: { type?: string }): 'text' | 'html' | 'xhtml' | undefined {
  const type = construct.type?.trim().toLowerCase() ?? 'text';
  if (type === 'xhtml' || type === 'application/xhtml+xml') return 'xhtml';
  if (type === 'html' || type === 'text/html') return 'html';
  if (type === 'text' || type.startsWith('text/')) return 'text';
  return undefined;
}

/** The markup of an xhtml construct, without namespace prefixes on its elements. */
function xhtml(value: string): string {
  const unprefixed = value.replace(/<(\/?)[A-Za-z_][\w.-]*:/g, '<$1');
  const wrapped = /^\s*<div\b[^>]*>([\s\S]*)<\/div>\s*$/.exec(unprefixed);
  return (wrapped?.[1] ?? unprefixed).trim();
}

function constructHtml(construct: { value?: string; type?: string }): string {
  const type = constructType(construct);
  const value = construct.value ?? '';
  if (type === 'html') return value.trim();
  if (type === 'xhtml') return xhtml(value);
  if (type === 'text') return textToParagraphs(value);
  return '';
}

function constructText(construct: { value?: string; type?: string }): string {
  const type = constructType(construct);
  const value = construct.value ?? '';
  if (type === 'text') return plain(value);
  if (type === 'html') return htmlToText(value);
  if (type === 'xhtml') return htmlToText(xhtml(value));
  return '';
}

function readRdfItem(index: number, node: RdfItem, base: string | undefined, about: string | undefined) {
  const warnings: string[] = [];
  const title = plain(node.title);
  if (!title) throw new ItemError('no title');
  const url = linkOf(node.link, base) ?? absoluteUrl(about?.trim(), base);
  if (!url) throw new ItemError('no usable link: neither <link> nor an http(s) rdf:about');
  const encoded = node.content?.encoded?.trim() ?? '';
  const description = node.description?.trim() ?? '';
  const contentHtml = encoded || description || linkBody(title, url, warnings);
  const summary = description ? htmlToText(description) : '';
  const date = dateOf(node.dc?.dates?.[0], 'dc:date', 'an RFC 3339 date-time', warnings);
  const tags = (node.dc?.subjects ?? []).map(plain).filter(Boolean);
  const creators = (node.dc?.creators ?? []).map(plain).filter(Boolean);
  const image = mediaImage(node.media, base, warnings);
  return importItem(
    {
      index,
      identity: about?.trim() || url,
      title,
      url,
      contentHtml,
      summary,
      tags,
      author: creators.length ? creators.join(', ') : undefined,
      image,
      warnings,
    },
    date,
  );
}

/** A JSON Feed (1.0 or 1.1), each item read by feedsmith alone so one bad item loses nothing else. */
function parseJsonDocument(text: string, documentUrl: string | undefined): ParsedFeedDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new FeedFormatError(`not a JSON Feed: ${(error as Error).message}`);
  }
  const feed = document as {
    version?: unknown;
    title?: unknown;
    home_page_url?: unknown;
    feed_url?: unknown;
  };
  const items = (document as { items?: unknown }).items;
  if (typeof feed.version !== 'string' || !feed.version.startsWith('https://jsonfeed.org/version/')) {
    throw new FeedFormatError('not an RSS, Atom or JSON feed: a JSON document without a JSON Feed version');
  }
  if (!Array.isArray(items)) throw new FeedFormatError('not a JSON Feed: it has no items array');
  const base =
    absoluteUrl(typeof feed.home_page_url === 'string' ? feed.home_page_url : undefined, documentUrl) ??
    absoluteUrl(documentUrl) ??
    absoluteUrl(typeof feed.feed_url === 'string' ? feed.feed_url : undefined);
  const parsed: ImportItem[] = [];
  const problems: ItemProblem[] = [];
  const seen = new Map<string, number>();
  items.forEach((raw: unknown, index) => {
    const hint =
      typeof (raw as { title?: unknown })?.title === 'string' ? (raw as { title: string }).title : '';
    try {
      let item: JsonItem | undefined;
      try {
        item = parseJsonFeed({ version: feed.version, title: 'item', items: [raw] }).items?.[0] as
          | JsonItem
          | undefined;
      } catch (error) {
        throw new ItemError(`not a feed item: ${(error as Error).message}`);
      }
      if (!item) throw new ItemError('not a feed item: nothing could be read of it');
      const read = readJsonItem(index, item, base);
      const first = seen.get(read.identity);
      if (first !== undefined) {
        throw new ItemError(`same id as item ${first + 1} (${read.identity}); only the first is imported`);
      }
      seen.set(read.identity, index);
      parsed.push(read);
    } catch (error) {
      if (!(error instanceof ItemError)) throw error;
      const title = collapseWhitespace(hint);
      problems.push({ index, ...(title ? { title: truncateText(title, 80) } : {}), reason: error.message });
    }
  });
  const title = typeof feed.title === 'string' ? collapseWhitespace(feed.title) : '';
  return {
    kind: 'json',
    ...(title ? { title } : {}),
    ...(base ? { baseUrl: base } : {}),
    items: parsed,
    problems,
  };
}

function readJsonItem(index: number, node: JsonItem, base: string | undefined): ImportItem {
  const warnings: string[] = [];
  const url = linkOf(node.url, base) ?? linkOf(node.external_url, base) ?? absoluteUrl(node.id);
  if (!url)
    throw new ItemError('no usable link: neither url nor external_url, and the id is not an http(s) URL');
  const html = node.content_html?.trim() || (node.content_text ? textToParagraphs(node.content_text) : '');
  let title = plain(node.title);
  if (!title) {
    // JSON Feed makes titles optional (microblog posts have none): the text's beginning stands in.
    const text = plain(node.summary) || htmlToText(html);
    if (!text) throw new ItemError('no title, and no text to make one of');
    title = truncateText(text, 80);
    warnings.push('no title in the feed: made of the beginning of its text');
  }
  const contentHtml = html ? (base ? absolutizeLinks(html, base) : html) : linkBody(title, url, warnings);
  const summary = plain(node.summary);
  const date = node.date_published
    ? dateOf(node.date_published, 'date_published', 'an RFC 3339 date-time', warnings)
    : dateOf(node.date_modified, 'date_modified', 'an RFC 3339 date-time', warnings);
  // JSON Feed 1.0 has one `author`, 1.1 a list of `authors`.
  const single = (node as { author?: JsonFeed.Author }).author;
  const authors = (node.authors ?? (single ? [single] : []))
    .map((author) => plain(author?.name))
    .filter(Boolean);
  const image = imageFrom(node.image ?? node.banner_image, undefined, base, warnings);
  return importItem(
    {
      index,
      identity: node.id?.trim() || url,
      title,
      url,
      contentHtml,
      summary,
      tags: (node.tags ?? []).map(plain).filter(Boolean),
      author: authors.length ? authors.join(', ') : undefined,
      image,
      warnings,
    },
    date,
  );
}
