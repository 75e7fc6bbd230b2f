import slugify from '@sindresorhus/slugify';

/**
 * Turns a label into a path-safe slug: lower-case ASCII letters, digits and single hyphens, transliterated
 * (`Financial Times` -> `financial-times`, `Київ` -> `kiyiv`). Never contains `/`, `.` or `%`.
 * Returns an empty string when nothing usable is left (`!!!`).
 */
export function toSlug(label: string): string {
  const slug = slugify(label, { decamelize: false, customReplacements: [['&', ' and ']] });
  // slugify already limits itself to [a-z0-9-]; the check keeps that a guarantee of this module.
  return /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) ? slug.slice(0, 80).replace(/-+$/, '') : '';
}

/** Whether a string is already a slug as {@link toSlug} produces them. */
export function isSlug(value: string): boolean {
  return value.length > 0 && value.length <= 80 && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(value);
}
