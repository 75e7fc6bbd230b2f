/**
 * The partner profiles and the image each one needs, in a module of its own: the editor API warns from these rules
 * and must not carry the renderers into its bundle (tests/infra/bundles.test.ts). Each profile's full rules live
 * beside it (shared/feeds/profiles/*.ts) and take their image rule from here.
 */
export const PROFILE_NAMES = ['msn', 'smartnews', 'flipboard', 'full-text'] as const;

export type ProfileName = (typeof PROFILE_NAMES)[number];

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** What a profile asks of an item's image, in pixels; an absent bound is no bound. */
export interface ImageRule {
  /** An item without an image is left out of the profile's feed. */
  required?: boolean;
  /** The shorter side at least this. */
  minShortSide?: number;
  /** The longer side at least this. */
  minLongSide?: number;
  /** Width over height within these. */
  minAspect?: number;
  maxAspect?: number;
}

/**
 * From the partners' public specifications (../shared/PARTNERS.md names the pages):
 * - MSN: "at least 720px in height or width" recommended, and "may not display correctly if the ratio is less than
 *   .5 or greater than 1.89"; only items with an image are published automatically;
 * - Flipboard: "at least one image per article, no less than 400px in the smallest dimension";
 * - SmartNews and the full-text profile: no size in a public page, so none is enforced.
 */
export const IMAGE_RULES: Record<ProfileName, ImageRule> = {
  msn: { minLongSide: 720, minAspect: 0.5, maxAspect: 1.89 },
  smartnews: {},
  flipboard: { required: true, minShortSide: 400 },
  'full-text': {},
};

/**
 * Why an image breaks a profile's rule, or undefined when it meets it. An image without a size cannot be checked
 * and passes: the partner measures it itself.
 */
export function imageProblem(
  rule: ImageRule,
  image: { width?: number; height?: number } | undefined,
): string | undefined {
  if (!image) return rule.required ? 'has no image' : undefined;
  const { width, height } = image;
  if (!width || !height) return undefined;
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  if (rule.minShortSide && short < rule.minShortSide)
    return `is ${width}×${height} px; its shorter side must be at least ${rule.minShortSide} px`;
  if (rule.minLongSide && long < rule.minLongSide)
    return `is ${width}×${height} px; its longer side must be at least ${rule.minLongSide} px`;
  const aspect = width / height;
  if ((rule.minAspect && aspect < rule.minAspect) || (rule.maxAspect && aspect > rule.maxAspect))
    return `is ${width}×${height} px; its width over height must be from ${rule.minAspect} to ${rule.maxAspect}`;
  return undefined;
}
