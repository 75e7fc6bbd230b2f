/**
 * Tags in every script: the table that pins labels to their slugs and URL paths (tests/unit/slug.test.ts), and the
 * labels the end-to-end tests tag articles with.
 */

/**
 * Tags in every script, pinned to their slugs and to the path of their feed in a URL: a slug is part of every feed
 * URL and key, so a change here moves feeds. Labels spelt in Latin (Latin, Cyrillic, Greek) keep the ASCII slugs
 * they always had; any other script keeps its letters, percent-encoded in URLs.
 */
export const SCRIPTS: [script: string, label: string, slug: string, path: string][] = [
  ['Latin', 'Donald Trump', 'donald-trump', 'tags/donald-trump'],
  ['Latin with marks', 'Élysée Palace', 'elysee-palace', 'tags/elysee-palace'],
  ['Cyrillic', 'Москва', 'moskva', 'tags/moskva'],
  ['Greek', 'Ελλάδα 2024', 'ellada-2024', 'tags/ellada-2024'],
  ['Han (Chinese)', '中国', '中国', 'tags/%E4%B8%AD%E5%9B%BD'],
  [
    'Han and Katakana (Japanese)',
    '東京オリンピック',
    '東京オリンピック',
    'tags/%E6%9D%B1%E4%BA%AC%E3%82%AA%E3%83%AA%E3%83%B3%E3%83%94%E3%83%83%E3%82%AF',
  ],
  ['Hangul (Korean)', '한국', '한국', 'tags/%ED%95%9C%EA%B5%AD'],
  ['Hangul and Latin', '서울 Seoul', '서울-seoul', 'tags/%EC%84%9C%EC%9A%B8-seoul'],
  ['Arabic', 'العربية', 'العربية', 'tags/%D8%A7%D9%84%D8%B9%D8%B1%D8%A8%D9%8A%D8%A9'],
  [
    'Arabic with Arabic-Indic digits',
    '٢٠٢٤ انتخابات',
    '٢٠٢٤-انتخابات',
    'tags/%D9%A2%D9%A0%D9%A2%D9%A4-%D8%A7%D9%86%D8%AA%D8%AE%D8%A7%D8%A8%D8%A7%D8%AA',
  ],
  [
    'Persian, with a zero-width non-joiner',
    'می\u200cخواهم',
    'میخواهم',
    'tags/%D9%85%DB%8C%D8%AE%D9%88%D8%A7%D9%87%D9%85',
  ],
  ['Hebrew', 'ישראל', 'ישראל', 'tags/%D7%99%D7%A9%D7%A8%D7%90%D7%9C'],
  ['Devanagari (Hindi)', 'भारत', 'भारत', 'tags/%E0%A4%AD%E0%A4%BE%E0%A4%B0%E0%A4%A4'],
  [
    'Bengali',
    'বাংলাদেশ',
    'বাংলাদেশ',
    'tags/%E0%A6%AC%E0%A6%BE%E0%A6%82%E0%A6%B2%E0%A6%BE%E0%A6%A6%E0%A7%87%E0%A6%B6',
  ],
  [
    'Tamil',
    'தமிழ்நாடு',
    'தமிழ்நாடு',
    'tags/%E0%AE%A4%E0%AE%AE%E0%AE%BF%E0%AE%B4%E0%AF%8D%E0%AE%A8%E0%AE%BE%E0%AE%9F%E0%AF%81',
  ],
  [
    'Thai',
    'ประเทศไทย',
    'ประเทศไทย',
    'tags/%E0%B8%9B%E0%B8%A3%E0%B8%B0%E0%B9%80%E0%B8%97%E0%B8%A8%E0%B9%84%E0%B8%97%E0%B8%A2',
  ],
  [
    'Georgian',
    'საქართველო',
    'საქართველო',
    'tags/%E1%83%A1%E1%83%90%E1%83%A5%E1%83%90%E1%83%A0%E1%83%97%E1%83%95%E1%83%94%E1%83%9A%E1%83%9D',
  ],
  ['Armenian, lower-cased', 'Հայաստան', 'հայաստան', 'tags/%D5%B0%D5%A1%D5%B5%D5%A1%D5%BD%D5%BF%D5%A1%D5%B6'],
  ['Ethiopic (Amharic)', 'ኢትዮጵያ', 'ኢትዮጵያ', 'tags/%E1%8A%A2%E1%89%B5%E1%8B%AE%E1%8C%B5%E1%8B%AB'],
  [
    'Fullwidth Latin with Han',
    '\uFF34\uFF2F\uFF2B\uFF39\uFF2F 東京',
    'tokyo-東京',
    'tags/tokyo-%E6%9D%B1%E4%BA%AC',
  ],
  [
    'Cyrillic with Han: every letter kept',
    'Россия и 中国',
    'россия-и-中国',
    'tags/%D1%80%D0%BE%D1%81%D1%81%D0%B8%D1%8F-%D0%B8-%E4%B8%AD%E5%9B%BD',
  ],
];

/** The five labels of the end-to-end tests: Chinese, Arabic, Hebrew, Korean and Hindi. */
export const FIVE_SCRIPTS = ['中国', 'العربية', 'ישראל', '한국', 'भारत'] as const;
