import { parseSubmission } from '#shared/articles/submission.ts';
import { InvalidInputError } from '#shared/domain/errors.ts';

/**
 * What {@link parseSubmission} makes of each body at `now`: the submission, or the field errors it refuses
 * the body with. `tests/infra/bundles.test.ts` runs this module from the sources and as a function bundle.
 */
export function submissionOutcomes(bodies: readonly unknown[], now: number): unknown[] {
  return bodies.map((body) => {
    try {
      return { submission: parseSubmission(body, now) };
    } catch (error) {
      return { errors: error instanceof InvalidInputError ? error.errors : String(error) };
    }
  });
}
