import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { textOn } from '../accent-colour.js';

export const BRANDING_ROUTES = { logo: '/assets/merchant-logo', theme: '/assets/merchant-theme.css' } as const;

export interface MerchantBranding {
  /** The file and its media type (checked by the configuration). */
  logo?: { file: string; type: string };
  accentColor?: string;
}

/**
 * The merchant's logo and accent colour, served by the gateway itself so the pages' CSP stays
 * `'self'`. The logo is read once, here at start: a file changed or removed later changes nothing
 * until the next start, and no buyer request touches the disk.
 */
export function merchantBrandingRoutes(branding: MerchantBranding): { router: Router; hasLogo: boolean } {
  const router = Router();
  const logo = branding.logo ? { bytes: readFileSync(branding.logo.file), type: branding.logo.type } : null;
  const accent = branding.accentColor;
  // A custom property the gateway's stylesheet reads: without a colour the sheet keeps its own.
  const theme = accent ? `:root { --accent: ${accent}; --on-accent: ${textOn(accent)}; }\n` : '';
  router.get(BRANDING_ROUTES.theme, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('text/css').send(theme);
  });
  if (logo) {
    router.get(BRANDING_ROUTES.logo, (_req, res) => {
      // An SVG opened on its own is a document: no script of it may run.
      res.set({ 'Cache-Control': 'public, max-age=300', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox" });
      res.type(logo.type).send(logo.bytes);
    });
  }
  return { router, hasLogo: logo !== null };
}
