import { PREVIEW_ROUTES } from '../preview/routes.ts';

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

/**
 * Every route of the editor API, this function's and those of the other functions on the same API (the preview's):
 * what the `$default` route's 405 answers know a path by. Route keys only, so the articles bundle carries the
 * preview's path and none of its code.
 */
export const API_ROUTES: readonly string[] = [...ARTICLE_ROUTES, ...PREVIEW_ROUTES];
