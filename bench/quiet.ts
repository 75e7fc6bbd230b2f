/**
 * What a benchmark's process leaves out of its output unless told otherwise: the SDK's notice about the Node
 * version, the functions' logs below `logLevel`, and the regenerate function's metrics (EMF on stdout is for
 * CloudWatch, not for a terminal). Called before a stack starts, so every logger and metrics client sees it.
 */
export function quietFunctions(logLevel = 'SILENT'): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= logLevel;
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}
