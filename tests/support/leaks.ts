/**
 * What a client must never see in a response: stack frames, file paths, and the names of internal classes,
 * modules and functions.
 */
export const LEAKS: readonly RegExp[] = [
  /\n\s+at /,
  /\bat [\w$.<>]+ \(/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /node_modules/,
  /file:\/\//,
  /(?:^|[\s"'(])\/(?:work|home|tmp|var|usr|opt|app)\//,
  /\b[A-Z]\w*(?:Error|Exception)\b/,
  /\b(?:ArticleService|DynamoDb\w*|Registry|Zod\w*|middy|sanitize-html|principalFrom|authorizer)\b/,
];
