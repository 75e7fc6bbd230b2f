import type { FeedChannel, FeedFormat } from '../model.ts';

/** The RFC 5005 links of a feed or archive, in a fixed order, for one format. */
export function historyLinks(channel: FeedChannel, format: FeedFormat): [string, string][] {
  const history = channel.history;
  if (!history) return [];
  const links: [string, string][] = [];
  if (history.current) links.push(['current', history.current[format]]);
  if (history.prevArchive) links.push(['prev-archive', history.prevArchive[format]]);
  if (history.nextArchive) links.push(['next-archive', history.nextArchive[format]]);
  return links;
}
