import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The OpenAPI description of the merchant API: docs/ at the package root, from src/http or dist/http alike. */
export const OPENAPI_DOCUMENT_FILE = path.resolve(here, '..', '..', 'docs', 'openapi.yaml');

/**
 * The description as the JSON text served at /api/v1/openapi.json. Read and parsed once, at start: a
 * missing or broken file stops the gateway there, not on a merchant's request.
 */
export function loadOpenApiJson(file = OPENAPI_DOCUMENT_FILE): string {
  const document: unknown = parse(readFileSync(file, 'utf8'));
  if (typeof document !== 'object' || document === null || !('openapi' in document)) throw new Error(`${file} is not an OpenAPI document`);
  return JSON.stringify(document);
}
