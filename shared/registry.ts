import type { Principal, Source, SourceScope } from './articles/model.ts';
import { type Clock, type RegistryStore, type StoredKey, systemClock } from './articles/ports.ts';
import { authenticate } from './authentication.ts';
import { isProfileName, PROFILE_NAMES, type ProfileName } from './feeds/profiles/names.ts';
import { mintKey } from './keys.ts';
import { isSlug, toSlug } from './slug.ts';
import { collapseWhitespace, deepStripXmlInvalid, plainText } from './text.ts';

export interface SourceInput {
  slug: string;
  name: string;
  homepageUrl: string;
  description?: string;
  language?: string;
  /** Absolute https URLs of the source's logo and square icon; empty means none. */
  logoUrl?: string;
  iconUrl?: string;
  /** `#rrggbb`; empty means none. */
  accentColor?: string;
  /** Partner profiles (shared/feeds/profiles/names.ts) whose variants of its feeds are published; empty means none. */
  profiles?: readonly string[];
}

/** Known profile names, once each, in a stable order (so an edit that only reorders them re-renders nothing). */
function profileList(names: readonly string[] | undefined): ProfileName[] {
  const wanted = (names ?? []).map((name) => name.trim()).filter(Boolean);
  const unknown = wanted.filter((name) => !isProfileName(name));
  if (unknown.length)
    throw new Error(
      `--profiles must name profiles among ${PROFILE_NAMES.join(', ')} (not ${unknown.join(', ')})`,
    );
  return [...new Set(wanted as ProfileName[])].sort();
}

/** An absolute https URL for a branding option, or undefined when none is given (absent or empty). */
function brandingUrl(value: string | undefined, option: string): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' && !url.username && !url.password) return url.href;
  } catch {
    // Reported below.
  }
  throw new Error(`${option} must be an absolute https URL`);
}

/** Operator use cases: register sources, create, list and revoke editor keys, and authenticate a request. */
export class Registry {
  constructor(
    private readonly store: RegistryStore,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Registers (or updates) a source; throws with the offending option named when the input is unusable. */
  async addSource(raw: SourceInput): Promise<Source> {
    // Names and descriptions are printed in every feed as plain text: the same rule as an editor's text (markup
    // removed, see plainText), so a feed's title never reads as markup either.
    const input = deepStripXmlInvalid(raw) as SourceInput;
    const slug = toSlug(input.slug);
    if (!slug || slug !== input.slug)
      throw new Error(`slug must be a slug such as ${toSlug(input.slug) || 'the-gaze'}`);
    // Bounded before markup is read out of them (a pass per nested tag).
    if (input.name.length > 800) throw new Error('--name must be at most 800 characters');
    if ((input.description ?? '').length > 4000)
      throw new Error('--description must be at most 4000 characters');
    const name = plainText(input.name);
    if (!name) throw new Error('--name must not be empty (once markup is removed)');
    let homepageUrl: string;
    try {
      const url = new URL(input.homepageUrl);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
      homepageUrl = url.href;
    } catch {
      throw new Error('--homepage must be an absolute http(s) URL');
    }
    const language = input.language ?? 'en';
    if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(language))
      throw new Error('--language must be a language tag such as en or en-GB');
    const logoUrl = brandingUrl(input.logoUrl, '--logo');
    const iconUrl = brandingUrl(input.iconUrl, '--icon');
    if (input.accentColor && !/^#[0-9a-fA-F]{6}$/.test(input.accentColor))
      throw new Error('--accent must be a colour such as #1a2b3c');
    const accentColor = input.accentColor ? input.accentColor.toLowerCase() : undefined;
    const profiles = profileList(input.profiles);
    const existing = await this.store.getSource(slug);
    const source: Source = {
      slug,
      name,
      homepageUrl,
      description: plainText(input.description ?? '') || `Articles from ${name}`,
      language,
      createdAt: existing?.createdAt ?? new Date(this.clock.now()).toISOString(),
      ...(logoUrl ? { logoUrl } : {}),
      ...(iconUrl ? { iconUrl } : {}),
      ...(accentColor ? { accentColor } : {}),
      ...(profiles.length ? { profiles } : {}),
    };
    await this.store.putSource(source);
    return source;
  }

  /**
   * Edits a registered source: the fields given replace the stored ones, the others stay (a description that was
   * derived from the old name is derived from the new one). The table's stream then re-renders every feed and page
   * that shows what changed (shared/feeds/regenerate.ts). An empty logo, icon or accent removes it, and an empty
   * list of profiles removes them all. Throws for a source that is not registered.
   */
  async updateSource(
    slug: string,
    changes: Partial<Omit<SourceInput, 'slug'>>,
  ): Promise<{ before: Source; after: Source }> {
    if (!Object.values(changes).some((value) => value !== undefined))
      throw new Error(
        'source update needs at least one of --name, --homepage, --description, --language, --logo, --icon, --accent, --profiles',
      );
    const before = isSlug(slug) ? await this.store.getSource(slug) : undefined;
    if (!before) throw new Error(`${slug} is not a registered source (source add registers one)`);
    const derived = before.description === `Articles from ${before.name}`;
    const description = changes.description ?? (derived ? undefined : before.description);
    const after = await this.addSource({
      slug,
      name: changes.name ?? before.name,
      homepageUrl: changes.homepageUrl ?? before.homepageUrl,
      ...(description === undefined ? {} : { description }),
      language: changes.language ?? before.language,
      logoUrl: changes.logoUrl ?? before.logoUrl ?? '',
      iconUrl: changes.iconUrl ?? before.iconUrl ?? '',
      accentColor: changes.accentColor ?? before.accentColor ?? '',
      profiles: changes.profiles ?? before.profiles ?? [],
    });
    return { before, after };
  }

  listSources(): Promise<Source[]> {
    return this.store.listSources();
  }

  /** Creates a key for some sources (every one must be registered) or all of them; returns the secret once. */
  async createKey(sources: SourceScope, label: string): Promise<{ key: string; stored: StoredKey }> {
    if (sources !== '*') {
      if (sources.length === 0) throw new Error('a key needs --sources a,b or --all');
      for (const slug of sources) {
        if (!isSlug(slug) || !(await this.store.getSource(slug)))
          throw new Error(`${slug} is not a registered source`);
      }
    }
    const minted = mintKey();
    const stored: StoredKey = {
      keyId: minted.keyId,
      secretHash: minted.secretHash,
      sources: sources === '*' ? '*' : [...new Set(sources)],
      label: collapseWhitespace(label),
      createdAt: new Date(this.clock.now()).toISOString(),
    };
    await this.store.putKey(stored);
    return { key: minted.key, stored };
  }

  listKeys(): Promise<StoredKey[]> {
    return this.store.listKeys();
  }

  revokeKey(keyId: string): Promise<boolean> {
    return this.store.revokeKey(keyId, new Date(this.clock.now()).toISOString());
  }

  /** Resolves an `Authorization` header to the key's principal, or throws 401 without saying which part failed. */
  authenticate(authorization: string | undefined): Promise<Principal> {
    return authenticate(this.store, authorization);
  }
}
