import { defineConfig } from 'vitest/config';

/**
 * The core's tests alone: use cases over the in-memory adapters, the in-memory side of the adapter contracts, the
 * renderers and the validation. No DynamoDB Local, no S3 server, no Java: `npm run test:core`.
 */
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/contract/memory.test.ts'],
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
