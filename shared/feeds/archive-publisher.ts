import {
  type ArchivePage,
  type ArchiveSpan,
  archiveDocument,
  archiveUrls,
  CLOSED_ARCHIVE_CACHE_CONTROL,
  type EntryKey,
  entryKey,
} from './archives.ts';
import { describeFeed, feedObjects, parseFeedId } from './channel.ts';
import { withCorrectionNotes } from './corrections.ts';
import { feedDocuments, labelOf, latest } from './feed-documents.ts';
import type { FeedId } from './feed-ids.ts';
import type { SourceCache } from './lookups.ts';
import type { FeedEntry } from './model.ts';
import type { DocumentState, FeedStore, PublishableDocument } from './ports.ts';
import { type ConsistentPublisher, feedCacheControl } from './publish.ts';
import { RENDERER_VERSION } from './render/version.ts';
import type { FeedSettings } from './settings.ts';

/** Archive pages closed by one publish at most: their index items and the state fit one transaction. */
const MAX_CLOSES_PER_PUBLISH = 90;

/**
 * A feed's RFC 5005 archive (shared/feeds/archives.ts for its layout): its open page, the pages that close as
 * entries leave the feed, and closed pages rendered again when an entry they hold was touched. The regenerator
 * publishes a feed's archive with the feed, through the same revision-checked publisher and source cache.
 */
export class ArchivePublisher {
  constructor(
    private readonly store: FeedStore,
    private readonly publishing: ConsistentPublisher,
    private readonly settings: FeedSettings,
    private readonly sources: SourceCache,
  ) {}

  /**
   * Brings a feed's archive up to date with its window, whose oldest entry has the key `before`: the open page holds
   * what has left the feed since the last page closed, and closes once it would pass the feed's size, so a page
   * never holds more than the feed does. Closed pages are rendered once as they close (with their link to the next
   * page), and again only when an entry they hold was touched. Returns the open page's number.
   */
  async publish(
    feed: FeedId,
    before: EntryKey,
    changedAt: string,
    touched: readonly EntryKey[],
  ): Promise<{ pages: number; rendered: number; keys: string[] }> {
    const size = this.settings.size;
    const { tag } = parseFeedId(feed);
    let rendered = 0;
    let closedNow: ArchiveSpan[] = [];
    let pages = 1;
    const { keys, state } = await this.publishing.publish(`${feed}/archive`, async (state) => {
      closedNow = [];
      pages = state.archivePages ?? 1;
      let after = state.archiveAfter ?? '';
      const documents: PublishableDocument[] = [];
      let open: FeedEntry[] = [];
      // A feed that lost entries reaches back past the open page into closed ones: its open page is then empty
      // (those entries are in the feed and in their closed page, never lost).
      const hasSpan = before !== '' && before > after;
      // At most MAX_CLOSES_PER_PUBLISH pages close in one publish (their index is written in the commit's
      // transaction); only a feed with a long history from before archives were paged has more to close, and
      // the next publishes close the rest.
      for (let closes = 0; ; closes++) {
        const span = hasSpan
          ? await this.store.readSpan(
              feed,
              { after, before },
              closes < MAX_CLOSES_PER_PUBLISH ? size + 1 : undefined,
            )
          : [];
        if (span.length <= size || closes >= MAX_CLOSES_PER_PUBLISH) {
          open = span;
          break;
        }
        const closing = span.slice(0, size);
        const through = entryKey(closing[size - 1] as FeedEntry);
        const closed: ArchiveSpan = { page: pages, after, through, closed: true, renderer: RENDERER_VERSION };
        closedNow.push(closed);
        // Dated by its entries alone, as a republish dates it: a page that closes is the same bytes whenever
        // it is rendered, until one of its articles changes.
        documents.push(...(await this.documents(feed, closed, closing, '', {})));
        after = through;
        pages++;
      }
      const openSpan: ArchiveSpan = { page: pages, after, through: before, closed: false };
      // Dated by the change only when the change reached the open page (its span moved, or it touched an entry in
      // it): an edit of an article still in the feed leaves the archive's bytes alone.
      const reached =
        closedNow.length > 0 ||
        before !== state.archiveBefore ||
        touched.some((key) => key > after && (before === '' || key < before));
      const openChangedAt = reached ? changedAt : '';
      documents.push(...(await this.documents(feed, openSpan, open, openChangedAt, state)));
      // The tag's label, kept for when the open page has emptied.
      const label = tag ? (labelOf(open, tag) ?? state.label) : undefined;
      return {
        documents,
        next: {
          changedAt: latest(state.changedAt, openChangedAt, ...open.map((entry) => entry.updatedAt)),
          ...(label ? { label } : {}),
          archivePages: pages,
          archiveAfter: after,
          archiveBefore: before,
        },
        // The index of the pages that closed, committed with the state: an entry's closed page is found by its key.
        closedPages: { feed, spans: closedNow },
      };
    });
    rendered += closedNow.length + 1;
    const uploaded = [...keys];
    // Entries the batch touched that sit in pages closed before it: those pages are rendered again.
    const after = state.archiveAfter ?? '';
    const again = new Map<ArchivePage, ArchiveSpan>();
    for (const key of touched) {
      // Past the pages closed before this publish (the open page and the ones it just closed were rendered).
      if (!after || key > after || closedNow.some((span) => key > span.after && key <= span.through))
        continue;
      const span = await this.store.findArchivePage(feed, key);
      if (span) again.set(span.page, span);
    }
    for (const span of again.values()) {
      uploaded.push(...(await this.publishClosedPage(feed, span, changedAt)));
      rendered++;
    }
    return { pages, rendered, keys: uploaded };
  }

  /** Renders one closed archive page again from its span: after one of its articles was corrected or retracted. */
  async publishClosedPage(feed: FeedId, span: ArchiveSpan, changedAt: string): Promise<string[]> {
    const { keys } = await this.publishing.publish(archiveDocument(feed, span.page), async (state) => {
      const entries = await this.store.readSpan(feed, {
        after: span.after,
        before: span.through,
        throughBefore: true,
      });
      return {
        documents: await this.documents(feed, span, entries, changedAt, state),
        next: { changedAt: latest(state.changedAt, changedAt, ...entries.map((entry) => entry.updatedAt)) },
      };
    });
    return keys;
  }

  /** The documents of one archive page: its entries newest first, linked to its neighbours and the current feed. */
  private async documents(
    feed: FeedId,
    span: ArchiveSpan,
    oldestFirst: readonly FeedEntry[],
    changedAt: string,
    state: Pick<DocumentState, 'changedAt' | 'label'>,
  ): Promise<PublishableDocument[]> {
    const { source, tag } = parseFeedId(feed);
    const entries = [...oldestFirst].reverse().map(withCorrectionNotes);
    const sources = await this.sources.named(source ? [source] : entries.map((entry) => entry.source));
    const updated = latest(state.changedAt, changedAt, ...entries.map((entry) => entry.updatedAt));
    const label = tag ? (labelOf(entries, tag) ?? state.label) : undefined;
    const channel = describeFeed(feed, { settings: this.settings, sources, tagLabel: label, updated });
    const current = channel.urls;
    const feedTitle = channel.title;
    channel.urls = archiveUrls(this.settings, feed, span.page);
    channel.title = `${feedTitle} (archive, page ${span.page})`;
    channel.history = {
      archive: true,
      current,
      ...(span.page > 1 ? { prevArchive: archiveUrls(this.settings, feed, span.page - 1) } : {}),
      ...(span.closed ? { nextArchive: archiveUrls(this.settings, feed, span.page + 1) } : {}),
    };
    return feedDocuments(
      feedObjects(archiveDocument(feed, span.page)),
      channel,
      entries,
      { archive: { page: span.page, feedTitle } },
      span.closed ? CLOSED_ARCHIVE_CACHE_CONTROL : feedCacheControl(this.settings),
    );
  }
}
