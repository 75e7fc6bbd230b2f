/**
 * The editor API's routes, as API Gateway route keys. The CDK app declares exactly these on the HTTP API and
 * the local server routes by them, so the two cannot drift; `$default` catches everything else, so unknown
 * paths get a problem document too.
 */
export const ARTICLE_ROUTES = [
  'POST /articles',
  'GET /articles',
  'GET /articles/{id}',
  'PUT /articles/{id}',
  'DELETE /articles/{id}',
  'GET /articles/{id}/history',
] as const;

export type ArticleRoute = (typeof ARTICLE_ROUTES)[number];
