import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import nunjucks from 'nunjucks';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The gateway's templates: views/ at the package root, from src/http or dist/http alike. */
export const VIEWS_ROOT = path.resolve(here, '..', '..', 'views');

/**
 * One nunjucks environment per app, rooted at its own templates folder. Autoescaping is on: every
 * value is HTML-escaped unless a template says otherwise, and none of ours does.
 */
export function useViews(app: Express, dir: string): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  env.express(app);
  app.set('view engine', 'njk');
  return env;
}

/** Compiles every template of a folder at start, so the first buyer does not pay for a synchronous file read. */
export function preloadViews(env: nunjucks.Environment, dir: string): void {
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) if (name.endsWith('.njk')) env.getTemplate(name.split(path.sep).join('/'), true);
}
