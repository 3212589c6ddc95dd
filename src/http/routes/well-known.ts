import { Router } from 'express';
import type { GatewayKeystore } from '../../keys/keystore.js';

/** The gateway's public keys: banks verify our payment requests (and merchants our webhooks) with them. */
export function wellKnownRoutes(keystore: GatewayKeystore): Router {
  const router = Router();
  const body = JSON.stringify(keystore.publicJwks());
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('application/jwk-set+json').send(body);
  });
  return router;
}
