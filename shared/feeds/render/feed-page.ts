import type { ArchivePage } from '../archives.ts';
import type { FeedChannel, FeedEntry, FeedUrls, Withdrawal } from '../model.ts';
import { WITHDRAWAL_NOTICES } from '../withdrawals.ts';
import { chromeAttributes, FORMATS, formatLinks, htmlPage, isWebUrl, timeElement } from './page.ts';
import { escapeXml as x } from './xml.ts';

export interface FeedPageOptions {
  /** A current feed's older articles: the newest page of its archive. */
  older?: FeedUrls | undefined;
  /** An archive page's number, and the title of the feed it archives. */
  archive?: { page: ArchivePage; feedTitle: string } | undefined;
}

/**
 * The page of a feed or of one page of its archive (`…/index.html`), which a browser gets at the feed's own URLs:
 * what the feed is, how to subscribe with its URLs in every format, then its items (headline linking the article,
 * time, author, summary, tags), the articles withdrawn from it lately (a line each), and links back through the
 * archive. Rendered from the same channel and entries as
 * the feed, so it is as fresh as the feed and changes when it does. Text only: never the article HTML. Pure.
 */
export function renderFeedPage(
  channel: FeedChannel,
  entries: readonly FeedEntry[],
  options: FeedPageOptions = {},
): string {
  const archive = channel.history?.archive === true;
  // An archive's readers subscribe to the current feed, never to an archive page.
  const subscribeTo = (archive ? channel.history?.current : undefined) ?? channel.urls;
  const en = chromeAttributes(channel.language);
  const body: string[] = [
    `<p class="kicker"${en}>${archive ? 'Web feed archive' : 'Web feed'}</p>\n`,
    `<h1 dir="auto">${x(channel.title)}</h1>\n`,
    channel.description ? `<p dir="auto">${x(channel.description)}</p>\n` : '',
    `<div class="how" id="subscribe"${en}>\n`,
    archive
      ? '<p><strong>This is one page of a web feed’s archive.</strong> To get every new article as it is published, copy the current feed’s URL into your feed reader:</p>\n'
      : '<p><strong>This is a web feed.</strong> Copy its URL into your feed reader to get every new article as it is published:</p>\n',
    '<dl class="urls">\n',
    ...FORMATS.map(
      (format) =>
        `<dt><a href="${x(subscribeTo[format.key])}" type="${format.type}">${format.name}</a></dt><dd><code class="url">${x(subscribeTo[format.key])}</code></dd>\n`,
    ),
    '</dl>\n',
    archive ? `<p class="muted">This page of the archive as ${formatLinks(channel.urls)}.</p>\n` : '',
    `<p class="muted"><a href="${x(channel.catalogueUrl)}">Every feed</a> of this site, by source and tag.`,
    isWebUrl(channel.homePageUrl) && channel.homePageUrl !== channel.catalogueUrl
      ? ` Website: <a href="${x(channel.homePageUrl)}">${x(channel.homePageUrl)}</a>`
      : '',
    '</p>\n</div>\n',
    `<h2${en}>${options.archive ? `Archived articles, page ${options.archive.page}` : 'Newest articles'}</h2>\n`,
  ];
  if (entries.length === 0) {
    body.push(`<p${en}>${archive ? 'No articles on this page any more.' : 'No articles yet.'}</p>\n`);
  } else {
    body.push('<ol class="items">\n', ...entries.map((entry) => item(channel, entry, en)), '</ol>\n');
  }
  const withdrawn = (channel.withdrawn ?? []).filter(
    (withdrawal) => !entries.some((entry) => entry.id === withdrawal.id),
  );
  if (withdrawn.length) {
    body.push(
      `<h2${en}>Withdrawn lately</h2>\n`,
      '<ul class="items withdrawn">\n',
      ...withdrawn.map((withdrawal) => withdrawnItem(withdrawal, en)),
      '</ul>\n',
    );
  }
  body.push(
    ...navigation(channel, options, en),
    `<p class="muted"${en}>Last change: ${timeElement(channel.updated)}.</p>\n`,
  );
  return htmlPage({
    language: channel.language,
    title: `${channel.title} (web feed)`,
    description: channel.description,
    alternates: [{ title: options.archive?.feedTitle ?? channel.title, feeds: subscribeTo }],
    body,
  });
}

function item(channel: FeedChannel, entry: FeedEntry, en: string): string {
  const title = isWebUrl(entry.url) ? `<a href="${x(entry.url)}">${x(entry.title)}</a>` : x(entry.title);
  const meta = [timeElement(entry.publishedAt)];
  if (entry.author) meta.push(x(entry.author.name));
  const source = channel.sources?.[entry.source];
  if (source) meta.push(x(source.name));
  if (entry.updatedAt !== entry.publishedAt) meta.push(`updated ${timeElement(entry.updatedAt)}`);
  // Each part isolated in a right-to-left page, so a name in one direction never reorders its neighbours.
  const metaParts = en ? meta.map((part) => `<bdi>${part}</bdi>`) : meta;
  const parts = [
    // An anchor per item: `…/index.html#item-{id}` points at one article.
    `<li id="item-${x(entry.id)}">\n`,
    `<h3 dir="auto">${title}</h3>\n`,
    `<p class="muted">${metaParts.join(' · ')}</p>\n`,
    entry.summary ? `<p dir="auto">${x(entry.summary)}</p>\n` : '',
  ];
  if (channel.tagFeeds && entry.tags.length) {
    const tagFeeds = channel.tagFeeds;
    const tags = entry.tags.map((tag) => `<a href="${x(tagFeeds(tag.slug).page)}">${x(tag.label)}</a>`);
    parts.push(
      `<p class="muted"${en}>Tags: ${tags.map((tag) => (en ? `<bdi>${tag}</bdi>` : tag)).join(', ')}</p>\n`,
    );
  }
  parts.push('</li>\n');
  return parts.join('');
}

/**
 * A withdrawn article's line: what happened and when, under the anchor its item had (`#item-{id}`), never its
 * headline or text.
 */
function withdrawnItem(withdrawal: Withdrawal, en: string): string {
  const { title, notice } = WITHDRAWAL_NOTICES[withdrawal.status];
  return `<li id="item-${x(withdrawal.id)}"${en}><p class="muted"><strong>${x(title)}</strong> ${timeElement(withdrawal.at)}. ${x(notice)}</p></li>\n`;
}

/** Back through the archive: a feed links its older articles; an archive page its neighbours and the feed. */
function navigation(channel: FeedChannel, options: FeedPageOptions, en: string): string[] {
  const history = channel.history;
  const links: string[] = [];
  if (history?.archive) {
    if (history.nextArchive)
      links.push(`<a href="${x(history.nextArchive.page)}" rel="next">Later articles</a>`);
    if (history.prevArchive)
      links.push(`<a href="${x(history.prevArchive.page)}" rel="prev">Earlier articles</a>`);
    if (history.current) links.push(`<a href="${x(history.current.page)}">Current feed</a>`);
  } else if (options.older) {
    links.push(`<a href="${x(options.older.page)}" rel="prev">Older articles</a>`);
  }
  return links.length ? [`<nav class="pages"${en}>\n${links.join('\n')}\n</nav>\n`] : [];
}
