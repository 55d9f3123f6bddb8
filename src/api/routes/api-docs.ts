import { Router } from 'express';

import { loadApiSpecs } from '../api-specs';

/** GET /v1/openapi.json and /v1/asyncapi.json: the API descriptions of docs/, as JSON. */
export function apiDocsRouter(): Router {
  const router = Router();
  const specs = loadApiSpecs(); // read once, at start: a broken file fails the start, not a request
  router.get('/v1/openapi.json', (_req, res) => {
    res.json(specs.openapi);
  });
  router.get('/v1/asyncapi.json', (_req, res) => {
    res.json(specs.asyncapi);
  });
  return router;
}
