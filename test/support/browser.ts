import { parse, type HTMLElement } from 'node-html-parser';

/**
 * A small scripted browser for journey tests: keeps cookies per host, follows redirects by hand
 * (so 303s are seen), and submits the forms pages render, the way a buyer's browser would.
 * It does not run scripts: auto-submitting forms are submitted with submitForm(), as a browser would.
 */
export interface Page {
  url: string;
  status: number;
  html: string;
  doc: HTMLElement;
  headers: Headers;
  /** Every URL visited to reach this page, redirects included. */
  trail: string[];
}

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();
  readonly visited: string[] = [];

  async get(url: string): Promise<Page> {
    return this.request(url, { method: 'GET' });
  }

  async post(url: string, fields: Record<string, string>): Promise<Page> {
    return this.request(url, { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** Submits the form matched by `selector` on the page, with `overrides` typed into its fields. */
  async submitForm(page: Page, selector = 'form', overrides: Record<string, string> = {}, submitter?: { name: string; value: string }): Promise<Page> {
    const form = page.doc.querySelector(selector);
    if (!form) throw new Error(`no form ${selector} on ${page.url}:\n${page.html.slice(0, 2000)}`);
    const fields: Record<string, string> = {};
    for (const input of form.querySelectorAll('input, select, textarea')) {
      const name = input.getAttribute('name');
      if (!name) continue;
      if (input.tagName === 'SELECT') {
        const selected = input.querySelector('option[selected]') ?? input.querySelector('option');
        fields[name] = selected?.getAttribute('value') ?? '';
      } else if (input.getAttribute('type') !== 'submit') {
        fields[name] = input.getAttribute('value') ?? '';
      }
    }
    Object.assign(fields, overrides);
    if (submitter) fields[submitter.name] = submitter.value;
    const action = new URL(form.getAttribute('action') ?? page.url, page.url).toString();
    const method = (form.getAttribute('method') ?? 'get').toUpperCase();
    if (method === 'GET') {
      const url = new URL(action);
      for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
      return this.get(url.toString());
    }
    return this.post(action, fields);
  }

  private cookieHeader(url: URL): string | undefined {
    const cookies = this.jar.get(url.host);
    if (!cookies || cookies.size === 0) return undefined;
    return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq < 0) continue;
      let cookies = this.jar.get(url.host);
      if (!cookies) this.jar.set(url.host, (cookies = new Map()));
      cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }

  private async request(start: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Page> {
    let url = new URL(start);
    let method = init.method;
    let body = init.body;
    let headers = { ...(init.headers ?? {}) };
    const trail: string[] = [];
    for (let hops = 0; hops < 10; hops += 1) {
      trail.push(url.toString());
      this.visited.push(url.toString());
      const cookie = this.cookieHeader(url);
      const res = await fetch(url, { method, redirect: 'manual', headers: { ...headers, ...(cookie ? { cookie } : {}), 'accept-language': 'en' }, ...(body !== undefined ? { body } : {}) });
      this.store(url, res.headers);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        url = new URL(location, url);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          headers = {};
        }
        continue;
      }
      const html = await res.text();
      return { url: url.toString(), status: res.status, html, doc: parse(html), headers: res.headers, trail };
    }
    throw new Error(`too many redirects from ${start}`);
  }
}
