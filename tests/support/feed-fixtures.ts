import type { Source } from '../../shared/articles/model.ts';
import type { FeedSettings } from '../../shared/feeds/settings.ts';

/** The settings the renderer tests publish under: `https://feeds.example/`, 50 entries, 5 minutes. */
export const SETTINGS: FeedSettings = {
  baseUrl: 'https://feeds.example/',
  publisherName: 'Newsroom',
  language: 'en',
  size: 50,
  ttlMinutes: 5,
  edgeTtlSeconds: 30,
  hubs: [],
};

/** The sample article's source, as the local stack registers it. */
export const THE_GAZE: Source = {
  slug: 'the-gaze',
  name: 'The Gaze',
  homepageUrl: 'https://thegaze.example/',
  description: 'News and analysis from The Gaze',
  language: 'en',
  createdAt: '2025-01-01T00:00:00.000Z',
};
