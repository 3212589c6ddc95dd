import { Router } from 'express';

/**
 * GET /api/v1/openapi.json: the merchant API's description. Mounted before the API key and the rate
 * limit: it holds nothing secret, client generators fetch it before any key is set up, and it is
 * answered from memory. `application/json`, which every tool reads (there is no OpenAPI media type
 * they all accept).
 */
export function openApiRoutes(documentJson: string): Router {
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('application/json').send(documentJson);
  });
  return router;
}
