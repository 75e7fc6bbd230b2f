import type { PipelineMetric } from '../emf.ts';

/** What the regenerate function counts per batch (functions/emf.ts). */
export const REGENERATE_METRICS = {
  feedsRendered: { name: 'FeedsRendered', unit: 'Count', service: 'regenerate-feeds', dimensions: [] },
  objectsPublished: {
    name: 'FeedObjectsPublished',
    unit: 'Count',
    service: 'regenerate-feeds',
    dimensions: [],
  },
  publishFailures: {
    name: 'FeedPublishFailures',
    unit: 'Count',
    service: 'regenerate-feeds',
    dimensions: [],
  },
  regenerationDuration: {
    name: 'RegenerationDuration',
    unit: 'Milliseconds',
    service: 'regenerate-feeds',
    dimensions: [],
  },
  batchRecords: { name: 'BatchRecords', unit: 'Count', service: 'regenerate-feeds', dimensions: [] },
  /** How long the oldest record of a batch had waited since its write when the batch's feeds were published. */
  recordAge: { name: 'RecordAge', unit: 'Milliseconds', service: 'regenerate-feeds', dimensions: [] },
} as const satisfies Record<string, PipelineMetric>;
