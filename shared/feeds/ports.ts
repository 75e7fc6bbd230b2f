import type { Source } from '../articles/model.ts';
import type { Tombstone } from './changes.ts';
import type { FeedId } from './feed-ids.ts';
import type { FeedEntry } from './model.ts';

/** What the pipeline remembers of a published document (a feed's three formats, or a tag index). */
export interface DocumentState {
  /** Bumped by every publish; a publish commits only if no other one committed since it read. */
  revision: number;
  /** Time of the document's last change. */
  changedAt?: string;
  /** A tag feed's label, for when the feed has emptied. */
  label?: string;
  /** Publication time of the feed's newest entry. */
  newestPublishedAt?: string;
  /** Articles retracted while they were in the feed's window, still announced as deleted. */
  tombstones?: Tombstone[];
}

/** One row of a source's tag index, before URLs are added. */
export interface TagRow {
  slug: string;
  label: string;
  count: number;
  newestPublishedAt?: string;
}

export interface FeedStore {
  listSources(): Promise<Source[]>;
  /** The newest `limit` entries of a feed, newest first: one query, whatever the size of the table. */
  readEntries(feed: FeedId, limit: number): Promise<FeedEntry[]>;
  /** Every entry of a feed published in a day (`YYYY-MM-DD`), newest first. */
  readDay(feed: FeedId, day: string): Promise<FeedEntry[]>;
  /** The nearest days before and after `day` in which the feed has entries. */
  neighbourDays(feed: FeedId, day: string): Promise<{ prev?: string; next?: string }>;
  readState(document: string): Promise<DocumentState>;
  /** Records a publish; false when another publish of the document committed after `expectedRevision` was read. */
  commitState(
    document: string,
    expectedRevision: number,
    next: Omit<DocumentState, 'revision'>,
  ): Promise<boolean>;
  /** Every tag of a source that still has articles. */
  readTagRows(source: string): Promise<TagRow[]>;
}

/** A document ready to publish. */
export interface PublishableDocument {
  key: string;
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

export interface DocumentPublisher {
  /** Stores the document unless the bucket already holds these exact bytes; true when it uploaded. */
  publish(document: PublishableDocument): Promise<boolean>;
}
