import { flipboard } from './flipboard.ts';
import { fullText } from './full-text.ts';
import { msn } from './msn.ts';
import type { ProfileName } from './names.ts';
import { smartnews } from './smartnews.ts';
import type { Profile } from './types.ts';

/** Every profile's declaration, by name. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  msn,
  smartnews,
  flipboard,
  'full-text': fullText,
};
