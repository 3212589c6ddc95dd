import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { launchChromium } from '../support/chromium.js';
import { addConsoleUser, PASSWORD } from '../support/console.js';
import { API_KEY, outboxDrained, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { ScriptedOperations, withOperations } from '../support/scripted-operations.js';

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? '';

/**
 * The console in a real Chromium, under the gateway's real CSP: a merchant signs in, finds a payment
 * by its reference, refunds part of it behind the confirmation page, sees the refund and its webhook
 * in the timeline and redelivers the event; a viewer gets no button and a 403; a wrong password and
 * a replayed form are refused; English and French; axe-core on every console page.
 */
describe('the console in a real browser (Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let gw: TestGateway;
  let server: Server;
  let receiver: Server;
  let base: string;
  const hooks: string[] = [];

  before(async function () {
    browser = await launchChromium(this);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        hooks.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const bank = new ScriptedOperations();
    gw = await testGateway({
      env: { MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, MERCHANT_WEBHOOK_SECRET: 'whsec_console_browser_0001' },
      connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)],
    });
    await addConsoleUser(gw, 'admin@shop.example', 'admin');
    await addConsoleUser(gw, 'viewer@shop.example', 'viewer');
    server = gw.app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    server?.close();
    receiver?.close();
    await gw?.close();
  });

  async function paid(reference: string): Promise<string> {
    const created = await request(gw.app).post('/api/v1/payments').set({ Authorization: `Bearer ${API_KEY}` }).send(validPayment({ reference, amount: 4990 }));
    const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
    const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: 4990, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
    await request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
    await outboxDrained(gw);
    return created.body.id as string;
  }

  async function tab(locale: string): Promise<{ context: BrowserContext; page: Page; csp: string[] }> {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    const csp: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) csp.push(msg.text());
    });
    return { context, page, csp };
  }

  /** axe-core in the page (evaluated through the debugging protocol, which the page's CSP does not govern). */
  async function seriousViolations(page: Page): Promise<string[]> {
    await page.evaluate(AXE);
    const found = await page.evaluate(async () => {
      const results = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
      return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    return found.map((v) => `${page.url()}: ${v}`);
  }

  async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
    await page.goto(`${base}/console/sign-in`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('button[type=submit].primary');
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  }

  it('signs in (a wrong password refused), finds a payment by reference, refunds part of it, sees the refund and its webhook, redelivers, with no serious axe violation', async () => {
    const reference = `browser-${Date.now()}`;
    const id = await paid(reference);
    const { context, page, csp } = await tab('en-GB');
    const violations: string[] = [];

    await page.goto(`${base}/console/sign-in`);
    violations.push(...(await seriousViolations(page)));
    await signIn(page, 'admin@shop.example', 'not the password at all');
    expect(await page.textContent('[role=alert]')).to.contain('Wrong email or password.');
    await signIn(page, 'admin@shop.example');
    await page.waitForURL(`${base}/console/payments`);

    await page.click('nav >> text=Dashboard');
    await page.waitForURL(`${base}/console`);
    expect(await page.textContent('h1')).to.equal('Dashboard');
    expect(await page.locator('svg.chart').count()).to.equal(1);
    violations.push(...(await seriousViolations(page)));
    await shot(page, 'dashboard-en');

    await page.click('nav >> text=Payments');
    await page.fill('input[name=q]', reference);
    await page.click('form.filters button[type=submit]');
    await page.click(`a[href="/console/payments/${id}"]`);
    await page.waitForURL(`${base}/console/payments/${id}`);
    expect(await page.textContent('[data-refundable]')).to.equal('€49.90');
    violations.push(...(await seriousViolations(page)));

    const refundForm = page.locator('form.operation', { has: page.locator('input[name=reason]') });
    await refundForm.locator('input[name=amount]').fill('1500');
    await refundForm.locator('input[name=reason]').fill('one item returned');
    await refundForm.locator('button').click();
    await page.waitForURL(`${base}/console/payments/${id}/refund?**`);
    expect(await page.textContent('[data-amount]')).to.equal('€15.00');
    expect(await page.textContent('[data-remaining]')).to.equal('€49.90');
    violations.push(...(await seriousViolations(page)));
    const confirmUrl = page.url();
    await page.click('form.confirm button[type=submit]');
    await page.waitForURL(`${base}/console/payments/${id}?done=1`);
    // The confirmation page sent again (back, submit): the same form key, one refund.
    await page.goto(confirmUrl);
    await page.click('form.confirm button[type=submit]');
    await page.waitForURL(`${base}/console/payments/${id}?done=1`);
    expect((await gw.app.gateway.operations.listRefunds(id)).map((r) => r.amount)).to.deep.equal([1500]);

    await outboxDrained(gw);
    await page.reload();
    expect(await page.textContent('[data-refundable]')).to.equal('€34.90');
    const timeline = await page.locator('ol.timeline li').allTextContents();
    expect(timeline.some((line) => line.includes('refund.succeeded'))).to.equal(true);
    const refundedEvent = (await gw.app.gateway.service.events(id)).find((e) => e.type === 'refund.succeeded')!;
    const webhookLines = timeline.filter((line) => line.includes('webhook:0') && line.includes(refundedEvent.id));
    expect(webhookLines, timeline.join('\n')).to.have.length(1);
    expect(webhookLines[0]).to.contain('status: 200');
    await shot(page, 'payment-en');

    // The event's own deliveries, not the audit.recorded webhook of the redelivery (which names it too).
    const deliveriesOf = (eventId: string) => hooks.filter((h) => (JSON.parse(h) as { id: string }).id === eventId).length;
    const hooksBefore = deliveriesOf(refundedEvent.id);
    await page.selectOption('form.redeliver select[name=event]', refundedEvent.id);
    await page.selectOption('form.redeliver select[name=target]', 'webhook:0');
    await page.click('form.redeliver button');
    await page.waitForURL(`${base}/console/payments/${id}/redeliver?**`);
    violations.push(...(await seriousViolations(page)));
    await page.click('form.confirm button[type=submit]');
    await page.waitForURL(`${base}/console/payments/${id}?done=1`);
    await outboxDrained(gw);
    expect(deliveriesOf(refundedEvent.id)).to.equal(hooksBefore + 1);
    const audited = hooks.map((h) => JSON.parse(h) as { type: string; data: { audit?: { action: string; detail: Record<string, unknown> } } });
    expect(audited.filter((h) => h.type === 'audit.recorded' && h.data.audit?.action === 'console.redeliver').map((h) => h.data.audit!.detail)).to.deep.equal([{ event: refundedEvent.id, target: 'webhook:0' }]);
    await page.reload();
    expect((await page.locator('ol.timeline li').allTextContents()).filter((l) => l.includes('webhook:0') && l.includes(refundedEvent.id))).to.have.length(2);

    for (const path of ['/console/deliveries', '/console/audit', '/console/users', '/console/account', '/console/account/totp']) {
      await page.goto(`${base}${path}`);
      expect(await page.locator('h1').count(), path).to.equal(1);
      violations.push(...(await seriousViolations(page)));
    }
    expect(await page.locator('img.qr').count()).to.equal(1);
    await page.goto(`${base}/console/audit`);
    const audit = await page.textContent('table.audit');
    expect(audit).to.contain('admin@shop.example').and.contain('console.refund').and.contain('console.redeliver').and.contain('api.payment.create');

    // A form from a session that has ended is refused: its token belongs to that session.
    await page.goto(confirmUrl);
    const staleToken = await page.getAttribute('form.confirm input[name=_csrf]', 'value');
    await page.click('header form button[type=submit]');
    await page.waitForURL(`${base}/console/sign-in`);
    await signIn(page, 'admin@shop.example');
    await page.waitForURL(`${base}/console/payments`);
    const replayed = await page.request.post(`${base}/console/payments/${id}/refund`, { form: { _csrf: staleToken!, formKey: 'a-fresh-form-key-0001', amount: '100' }, maxRedirects: 0 });
    expect(replayed.status()).to.equal(403);
    expect((await gw.app.gateway.operations.listRefunds(id))).to.have.length(1);

    expect(violations, violations.join('\n')).to.deep.equal([]);
    expect(csp).to.deep.equal([]);
    await context.close();
  });

  it('in French, and for a viewer: no refund button, a forced POST gets 403, nothing refunded', async () => {
    const id = await paid(`browser-fr-${Date.now()}`);
    const { context, page, csp } = await tab('fr-FR');
    const violations: string[] = [];
    await page.goto(`${base}/console/sign-in`);
    expect(await page.textContent('h1')).to.equal('Connexion');
    await signIn(page, 'viewer@shop.example');
    await page.waitForURL(`${base}/console/payments`);
    await page.goto(`${base}/console`);
    expect(await page.textContent('h1')).to.equal('Tableau de bord');
    violations.push(...(await seriousViolations(page)));
    await shot(page, 'dashboard-fr');
    await page.goto(`${base}/console/payments/${id}`);
    expect(await page.textContent('h2')).to.be.a('string');
    expect(await page.locator('form.operation').count()).to.equal(0);
    expect(await page.content()).to.not.contain('Rembourser');
    expect(await page.textContent('[data-refundable]')).to.match(/49,90\s€/);
    violations.push(...(await seriousViolations(page)));
    const token = await page.getAttribute('header form input[name=_csrf]', 'value');
    const forced = await page.request.post(`${base}/console/payments/${id}/refund`, { form: { _csrf: token!, formKey: 'a-viewer-form-key-0001', amount: '100' }, headers: { 'Accept-Language': 'fr-FR' }, maxRedirects: 0 });
    expect(forced.status()).to.equal(403);
    expect(await forced.text()).to.contain('Votre rôle ne permet pas cette action.');
    expect(await gw.app.gateway.operations.listRefunds(id)).to.have.length(0);
    await page.goto(`${base}/console/payments/${id}/refund?amount=100`);
    expect(await page.textContent('h1')).to.equal('Votre rôle ne permet pas cette action.');
    for (const path of ['/console/payments', '/console/deliveries']) {
      await page.goto(`${base}${path}`);
      violations.push(...(await seriousViolations(page)));
    }
    await context.close();
    // The dark theme: the same pages read in the system's dark colours.
    const dark = await browser.newContext({ locale: 'en-GB', colorScheme: 'dark' });
    const darkPage = await dark.newPage();
    await signIn(darkPage, 'viewer@shop.example');
    await darkPage.waitForURL(`${base}/console/payments`);
    for (const path of ['/console', `/console/payments/${id}`]) {
      await darkPage.goto(`${base}${path}`);
      violations.push(...(await seriousViolations(darkPage)));
    }
    await shot(darkPage, 'payment-dark');
    await dark.close();
    expect(violations, violations.join('\n')).to.deep.equal([]);
    expect(csp).to.deep.equal([]);
  });

  it('redelivers dead deliveries from the deliveries page through their confirmation pages, without a script, with no serious axe violation', async () => {
    // A gateway of its own whose one webhook endpoint nobody listens on: each delivery is dead after its first try.
    const dead = await testGateway({ env: { MERCHANT_WEBHOOK_URL: 'http://127.0.0.1:9/hooks', MERCHANT_WEBHOOK_SECRET: 'whsec_console_browser_0002', WEBHOOK_MAX_AGE: '1ms' } });
    await addConsoleUser(dead, 'operator@shop.example', 'operator');
    const deadServer = dead.app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => deadServer.once('listening', () => r()));
    const at = `http://127.0.0.1:${(deadServer.address() as AddressInfo).port}`;
    const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false });
    const axeContext = await browser.newContext({ locale: 'en-GB' });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) ids.push((await request(dead.app).post('/api/v1/payments').set({ Authorization: `Bearer ${API_KEY}` }).send(validPayment())).body.id as string);
      await outboxDrained(dead);
      const createdOf = async (id: string) => (await dead.app.gateway.store.outbox.listEventsWithDeliveries({ paymentId: id, limit: 10 })).items.find((e) => e.event.type === 'payment.created')!;
      const first = (await createdOf(ids[0]!)).event.id;
      const triesOf = async (eventId: string) => (await dead.app.gateway.store.outbox.getEvent(eventId))!.deliveries.find((d) => d.target === 'webhook:0')!.attempts.length;

      const page = await context.newPage();
      await page.goto(`${at}/console/sign-in`);
      await page.fill('#email', 'operator@shop.example');
      await page.fill('#password', PASSWORD);
      await page.click('button[type=submit].primary');
      await page.waitForURL(`${at}/console/payments`);
      await page.goto(`${at}/console/deliveries`);
      await page.click(`button[aria-label="Redeliver ${first} → webhook:0"]`);
      await page.waitForURL(`${at}/console/deliveries/redeliver?**`);
      const confirmOne = page.url();
      expect(await page.textContent('h1')).to.equal('Redeliver this event?');
      expect(await page.textContent('[data-target]')).to.equal('webhook:0');
      expect(await page.textContent('[data-count]')).to.equal('1');
      expect(await page.textContent('table.deliveries')).to.contain(first).and.contain('payment.created');
      expect(await triesOf(first)).to.equal(1);
      await page.click('form.confirm button[type=submit]');
      await page.waitForURL(`${at}/console/deliveries?redelivered=1`);
      await outboxDrained(dead);
      expect(await triesOf(first)).to.equal(2);

      await page.click('form[action="/console/deliveries/redeliver-dead"] button');
      await page.waitForURL(`${at}/console/deliveries/redeliver-dead?**`);
      const confirmAll = page.url();
      expect(await page.textContent('h1')).to.equal('Redeliver every dead delivery to this endpoint?');
      const count = Number(await page.textContent('[data-count]'));
      expect(count).to.be.at.least(2);
      await page.click('form.confirm button[type=submit]');
      await page.waitForURL(`${at}/console/deliveries?redelivered=${count}`);
      await outboxDrained(dead);
      expect(await triesOf(first)).to.equal(3);
      expect(await triesOf((await createdOf(ids[1]!)).event.id)).to.equal(2);

      // The same pages, read by axe-core (which needs the script the first tab went without).
      const axePage = await axeContext.newPage();
      await axePage.context().addCookies(await context.cookies());
      const violations: string[] = [];
      for (const url of [`${at}/console/deliveries`, confirmOne, confirmAll]) {
        await axePage.goto(url);
        expect(await axePage.locator('h1').count(), url).to.equal(1);
        violations.push(...(await seriousViolations(axePage)));
      }
      await shot(axePage, 'deliveries-confirm-en');
      expect(violations, violations.join('\n')).to.deep.equal([]);
    } finally {
      await context.close();
      await axeContext.close();
      deadServer.close();
      await dead.close();
    }
  });
});
