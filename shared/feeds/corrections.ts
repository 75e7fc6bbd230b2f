import type { FeedEntry } from './model.ts';
import { escapeXml } from './render/xml.ts';

/**
 * The entry as readers see it: the article's HTML followed by the note of each correction that carried one,
 * oldest first, so a feed reader shows what changed and when, in every format alike.
 */
export function withCorrectionNotes(entry: FeedEntry): FeedEntry {
  if (!entry.corrections?.length) return entry;
  const notes = entry.corrections
    .map(
      (correction) =>
        `<p><em>Correction (${correction.at.slice(0, 10)}): ${escapeXml(correction.note)}</em></p>`,
    )
    .join('');
  return { ...entry, contentHtml: `${entry.contentHtml}${notes}` };
}
