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

function spell(text: string): string {
  return text.replace(NON_ASCII, (letter) => LETTERS[letter] ?? letter);
}

/**
 * Turns a label into a path-safe slug: lower-case ASCII letters, digits and single hyphens, at most 80
 * characters (`Financial Times` -> `financial-times`, `Київ` -> `kiyiv`, `AT&T` -> `at-and-t`,
 * `Conway's Law` -> `conways-law`). Compatibility forms fold to their letters (`ＧＡＺＥ`, `ﬁ`), so a lookalike
 * of a name slugs to that name. Never contains `/`, `.` or `%`. Returns an empty string when nothing usable is
 * left (`!!!`, or a label in a script with no spelling here, such as `東京`).
 */
export function toSlug(label: string): string {
  // Spelt once as typed (composed, so `ä` is still one letter and `й` is not `и` with a breve), then again
  // after NFKD has taken the marks off whatever was left.
  const latin = spell(
    spell(label.normalize('NFC').toLowerCase()).normalize('NFKD').replace(MARKS, '').toLowerCase(),
  );
  const slug = latin
    .replaceAll('&', ' and ')
    // A contraction or possessive stays one word: `don't` -> `dont`, not `don-t`.
    .replace(/([a-z\d])['\u2019]([ts])(?![a-z\d])/g, '$1$2')
    .replace(/[^a-z\d]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, MAX_LENGTH)
    .replace(/-$/, '');
  return SLUG.test(slug) ? slug : '';
}

/** Whether a string is already a slug as {@link toSlug} produces them. */
export function isSlug(value: string): boolean {
  return value.length <= MAX_LENGTH && SLUG.test(value);
}
