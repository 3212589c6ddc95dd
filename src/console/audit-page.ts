import type { RequestHandler } from 'express';
import type nunjucks from 'nunjucks';
import { actorText } from '../core/audit-entry.js';
import type { AuditTrail } from '../service/audit-trail.js';
import { renderConsole } from './console-pages.js';

const PAGE_SIZE = 50;

/** The audit log, newest first, 50 a page with a cursor: one store call a page. */
export function auditPage(options: { audit: AuditTrail; views: nunjucks.Environment }): RequestHandler {
  return async (req, res) => {
    const cursor = typeof req.query.cursor === 'string' && /^\d{1,20}$/.test(req.query.cursor) ? req.query.cursor : undefined;
    const page = await options.audit.list({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    renderConsole(options.views, req, res, 'audit.njk', {
      entries: page.items.map((e) => ({ ...e, who: actorText(e.actor), facts: Object.entries(e.detail).map(([k, v]) => `${k}: ${v}`) })),
      nextLink: page.nextCursor ? `/console/audit?cursor=${page.nextCursor}` : null,
    });
  };
}
