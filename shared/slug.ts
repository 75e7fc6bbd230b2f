/**
 * The Latin spelling of the letters that Unicode's compatibility decomposition (NFKD) leaves outside ASCII:
 * Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian), Greek, and the Latin letters that
 * are not a base letter plus marks, with the German umlauts spelt out. Lower case only: labels are lower-cased
 * first. Letters with marks that are not listed (`ά`, `ӑ`, `é`) lose their marks and are looked up again.
 *
 * Slugs are part of every feed's URL, so this table is the project's own: a dependency update can never move a
 * feed. Changing an entry changes the URL of every feed named with it.
 */
// biome-ignore format: a table reads best in rows
const LETTERS: Readonly<Record<string, string>> = {
  а: 'a', б: 'b', в: 'v', г: 'g', ґ: 'g', д: 'd', ђ: 'dj', е: 'e', ё: 'yo', є: 'ye', ж: 'zh', з: 'z', ѕ: 'dz',
  и: 'i', і: 'i', ї: 'yi', й: 'y', ј: 'j', к: 'k', ќ: 'kj', л: 'l', љ: 'lj', м: 'm', н: 'n', њ: 'nj', о: 'o',
  п: 'p', р: 'r', с: 's', т: 't', ћ: 'c', у: 'u', ў: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', џ: 'dz', ш: 'sh',
  щ: 'sch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
  α: 'a', β: 'v', γ: 'g', δ: 'd', ε: 'e', ζ: 'z', η: 'i', θ: 'th', ι: 'i', κ: 'k', λ: 'l', μ: 'm', ν: 'n',
  ξ: 'ks', ο: 'o', π: 'p', ρ: 'r', σ: 's', ς: 's', τ: 't', υ: 'y', φ: 'f', χ: 'x', ψ: 'ps', ω: 'o',
  ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ð: 'd', đ: 'd', þ: 'th', ħ: 'h', ı: 'i',
  ł: 'l', ŋ: 'ng', ŧ: 't', ə: 'a',
};

const NON_ASCII = /[^\p{ASCII}]/gu;
const MARKS = /\p{M}+/gu;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_LENGTH = 80;

/** The longest tag slug, in characters: it bounds S3 keys and DynamoDB keys (at most 320 UTF-8 bytes). */
export const MAX_SLUG_CHARS = MAX_LENGTH;

/** A slug in letters of its own script: letters, marks and digits of any script, joined by single hyphens. */
const SCRIPT_SLUG = /^[\p{L}\p{M}\p{N}]+(?:-[\p{L}\p{M}\p{N}]+)*$/u;
/** Zero-width (non-)joiners shape Persian and Indic words; they are dropped, never taken for a word break. */
const JOINERS = /[\u200c\u200d]/g;
const LETTER_OR_DIGIT_OUTSIDE_ASCII = /[\p{L}\p{N}]/u;

function spell(text: string): string {
  return text.replace(NON_ASCII, (letter) => LETTERS[letter] ?? letter);
}

/**
 * A label spelt in Latin letters, as far as the table and the marks' removal go: spelt once as typed (composed, so
 * `ä` is still one letter and `й` is not `и` with a breve), then again after NFKD has taken the marks off whatever
 * was left.
 */
function latinSpelling(label: string): string {
  return spell(
    spell(label.normalize('NFC').toLowerCase()).normalize('NFKD').replace(MARKS, '').toLowerCase(),
  );
}

/** The Latin spelling made a slug: lower-case ASCII letters, digits and single hyphens, not yet cut to length. */
function latinSlug(latin: string): string {
  return (
    latin
      .replaceAll('&', ' and ')
      // A contraction or possessive stays one word: `don't` -> `dont`, not `don-t`.
      .replace(/([a-z\d])['\u2019]([ts])(?![a-z\d])/g, '$1$2')
      .replace(/[^a-z\d]+/g, '-')
      .replace(/^-|-$/g, '')
  );
}

/** Whether a label has a letter or digit that the Latin spelling leaves as it was (Chinese, Arabic, Hindi, …). */
function hasUnspelledLetters(latin: string): boolean {
  for (const char of latin) if (char > '\u007f' && LETTER_OR_DIGIT_OUTSIDE_ASCII.test(char)) return true;
  return false;
}

/**
 * A label in its own letters: NFKC (so compatibility forms, such as full-width or presentation forms, fold to their
 * letters), lower-cased where the script has case, every run of anything but letters, marks and digits a single
 * hyphen, none at either end.
 */
function scriptSlug(label: string): string {
  return label
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    .replace(JOINERS, '')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Turns a label into a path-safe ASCII slug: lower-case ASCII letters, digits and single hyphens, at most 80
 * characters (`Financial Times` -> `financial-times`, `Київ` -> `kiyiv`, `AT&T` -> `at-and-t`,
 * `Conway's Law` -> `conways-law`). Compatibility forms fold to their letters (`ＧＡＺＥ`, `ﬁ`), so a lookalike
 * of a name slugs to that name. Never contains `/`, `.` or `%`. Returns an empty string when nothing usable is
 * left (`!!!`, or a label in a script with no spelling here, such as `東京`). Sources are named with these; tags
 * with {@link tagSlug}.
 */
export function toSlug(label: string): string {
  const slug = latinSlug(latinSpelling(label)).slice(0, MAX_LENGTH).replace(/-$/, '');
  return SLUG.test(slug) ? slug : '';
}

/** A tag's slug, or why the label has none. */
export type TagSlug = { slug: string; problem?: undefined } | { slug?: undefined; problem: string };

/**
 * A tag's slug: part of its feeds' URLs and keys, so a slug once minted never moves.
 * - A label whose letters and digits the Latin spelling covers (Latin with or without marks, Cyrillic, Greek) gets
 *   the slug {@link toSlug} has always given it, in ASCII: `Donald Trump` -> `donald-trump`, `Київ` -> `kiyiv`. Latin
 *   and Cyrillic or Greek lookalikes fold together by that rule (`Pаris` with a Cyrillic `а` is `paris`).
 * - A label with any other letter or digit keeps its letters, all of them (Latin ones too): NFKC-normalised,
 *   lower-cased where the script has case, runs of anything else one hyphen (`中国` -> `中国`, `العربية` ->
 *   `العربية`, `Seoul 서울` -> `seoul-서울`). URLs carry it percent-encoded in UTF-8, S3 and DynamoDB keys as it is.
 * - Two labels share a slug only when they differ by case, compatibility forms, punctuation and spacing (or, in
 *   Latin spelling, marks and the table's spellings): anything else is a slug of its own.
 * - A label with no letter or digit (symbols or emoji alone) has none; a slug over {@link MAX_SLUG_CHARS}
 *   characters is refused, never cut short into another label's slug.
 */
export function tagSlug(label: string): TagSlug {
  const latin = latinSpelling(label);
  const slug = hasUnspelledLetters(latin) ? scriptSlug(label) : latinSlug(latin);
  if (!slug) return { problem: 'must contain a letter or digit that can form a slug' };
  const length = [...slug].length;
  if (length > MAX_SLUG_CHARS)
    return {
      problem: `makes a slug of ${length} characters, more than the ${MAX_SLUG_CHARS} a feed's URL may hold`,
    };
  return { slug };
}

/** Whether a string is already a slug as {@link toSlug} produces them. */
export function isSlug(value: string): boolean {
  return value.length <= MAX_LENGTH && SLUG.test(value);
}

/** Whether a string is a tag slug as {@link tagSlug} produces them (the ASCII ones included). */
export function isTagSlug(value: string): boolean {
  if (isSlug(value)) return true;
  return (
    [...value].length <= MAX_SLUG_CHARS &&
    SCRIPT_SLUG.test(value) &&
    hasUnspelledLetters(value) &&
    value === value.normalize('NFKC') &&
    value === value.toLowerCase()
  );
}

/** A feed's path under `feeds/` as a URL carries it: each segment percent-encoded (UTF-8); ASCII slugs unchanged. */
export function urlPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
