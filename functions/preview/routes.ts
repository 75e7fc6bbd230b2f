/**
 * The preview function's route, as an API Gateway route key: on the editor API, behind the same authorizer as the
 * articles routes, served by a function of its own so that the articles bundle carries no renderer. The CDK app
 * declares it and the local server routes by it.
 */
export const PREVIEW_ROUTES = ['GET /articles/{id}/preview'] as const;
