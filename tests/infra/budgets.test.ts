import { describe, expect, it } from 'vitest';
import { FUNCTION_BUDGETS } from '../../functions/budgets.ts';
import { resourceOf, templates } from './synth.ts';

/** Each function with a budget, by the logical id prefix of its Lambda function in the pipeline stack. */
const FUNCTIONS = {
  articles: 'Articles',
  authorizer: 'Authorizer',
  'regenerate-feeds': 'RegenerateFeeds',
  'release-articles': 'ReleaseReleaseArticles',
  preview: 'Preview',
} as const satisfies Record<keyof typeof FUNCTION_BUDGETS, string>;

describe('the functions deployed', () => {
  it('time out where their budgets say, the budgets their SDK clients are held below', () => {
    const { pipeline } = templates({ stage: 'dev' });
    for (const [name, prefix] of Object.entries(FUNCTIONS) as [keyof typeof FUNCTIONS, string][]) {
      const [, fn] = resourceOf(pipeline, 'AWS::Lambda::Function', `${prefix}Function`);
      expect(fn.Properties?.Timeout, name).toBe(FUNCTION_BUDGETS[name].timeoutSeconds);
    }
  });
});
