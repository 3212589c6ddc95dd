import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { startDemo, type Demo } from '../../demo/start-demo.js';
import { createLogger } from '../../src/logger.js';
import { Browser, type Page } from '../support/browser.js';
import { LogCapture } from '../support/stack.js';

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

interface Delivery {
  target: string;
  state: 'pending' | 'delivered' | 'dead';
  attemptCount: number;
  nextAttemptAt: string | null;
  attempts?: Array<{ status?: number; error?: string }>;
}
interface EventItem {
  id: string;
  type: string;
  occurredAt: string;
  deliveries: Delivery[];
}

const stateOn = (page: Page) => page.doc.querySelector('[data-order-state]')?.getAttribute('data-order-state');
const gatewaySays = (page: Page) => page.doc.querySelector('[data-gateway-status]')?.getAttribute('data-gateway-status');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The whole demo (gateway, sandbox bank, shop) on loopback ports: the buyer pays at the sandbox bank
 * and the shop's order becomes paid when the gateway's signed webhook reaches the shop's endpoint.
 */
describe('the demo shop as a webhook endpoint of the gateway (whole demo)', function () {
  this.timeout(60_000);
  let demo: Demo;
  let logs: LogCapture;
  let mailDir: string;
  let apiKey: string;
  let webhookUp = true;

  before(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'hpp-demo-shop-mail-'));
    logs = new LogCapture();
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', MAIL_OUTBOX_DIR: mailDir, WEBHOOK_MAX_AGE: '1h' });
    apiKey = config.apiKeys[0]!;
    demo = await startDemo(config, createLogger('info', logs), { host: '127.0.0.1', bankPort: 0, shopPort: 0, shop: { webhookAvailable: () => webhookUp } });
  });
  afterEach(() => {
    webhookUp = true;
  });
  after(async () => {
    await demo?.close();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  async function api<T>(pathname: string, method = 'GET'): Promise<{ status: number; body: T }> {
    const res = await fetch(`${demo.gatewayUrl}/api/v1${pathname}`, { method, headers: { authorization: `Bearer ${apiKey}` } });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function paymentIdOf(reference: string): Promise<string> {
    const { body } = await api<{ items: Array<{ id: string }> }>(`/payments?reference=${reference}`);
    expect(body.items).to.have.length(1);
    return body.items[0]!.id;
  }

  /** The events of a payment, oldest first, with their delivery to the shop's webhook. */
  async function shopDeliveries(paymentId: string): Promise<Array<{ event: EventItem; delivery: Delivery }>> {
    const { body } = await api<{ items: EventItem[] }>(`/events?payment=${paymentId}&limit=100`);
    return body.items
      .slice()
      .reverse()
      .map((event) => ({ event, delivery: event.deliveries.find((d) => d.target.startsWith('webhook:'))! }));
  }

  /** Shop → buy → gateway checkout → bank card page → pay → back to the gateway's result → the shop's order page. */
  async function buyAndPay(browser: Browser, cardNumber: string): Promise<{ reference: string; orderPage: Page }> {
    const shopPage = await browser.get(demo.shopUrl);
    expect(shopPage.status).to.equal(200);
    const checkout = await browser.submitForm(shopPage, 'form[action="/buy"]', {}, { name: 'productId', value: 'tshirt' });
    expect(checkout.url.startsWith(`${demo.gatewayUrl}/checkout/`), checkout.html.slice(0, 500)).to.equal(true);
    const redirect = await browser.submitForm(checkout, 'form');
    expect(redirect.doc.querySelector('#bank-redirect'), redirect.html.slice(0, 500)).to.not.equal(null);
    const card = await browser.submitForm(redirect, '#bank-redirect');
    expect(card.status, card.html.slice(0, 500)).to.equal(200);
    const back = await browser.submitForm(card, 'form', { cardNumber, expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa' }, { name: 'action', value: 'pay' });
    expect(back.status, back.html.slice(0, 500)).to.equal(200);
    const result = await browser.submitForm(back, '#return-to-merchant');
    expect(result.url).to.match(/\/checkout\/[^/]+\/result$/);
    expect(result.doc.querySelector('[data-status]')?.getAttribute('data-status')).to.equal('succeeded');
    const returnUrl = result.doc.querySelector('a.button')?.getAttribute('href') ?? '';
    expect(returnUrl.startsWith(`${demo.shopUrl}/orders/order-`), returnUrl).to.equal(true);
    const orderPage = await browser.get(returnUrl);
    expect(orderPage.status).to.equal(200);
    return { reference: returnUrl.slice(`${demo.shopUrl}/orders/`.length), orderPage };
  }

  /** Reloads the order page (as its meta refresh does) until the shop's own state is `state`. */
  async function waitForOrderState(browser: Browser, reference: string, state: string, withinMs: number, meanwhile?: () => Promise<void>): Promise<Page> {
    const deadline = Date.now() + withinMs;
    let page = await browser.get(`${demo.shopUrl}/orders/${reference}`);
    while (stateOn(page) !== state && Date.now() < deadline) {
      await meanwhile?.();
      await sleep(100);
      page = await browser.get(`${demo.shopUrl}/orders/${reference}`);
    }
    expect(stateOn(page), `order ${reference} after ${withinMs} ms: ${page.doc.querySelector('h1')?.textContent}`).to.equal(state);
    return page;
  }

  it('paying with 4242 4242 4242 4242: the gateway’s signed webhook marks the shop’s order paid within seconds', async () => {
    const browser = new Browser();
    const { reference } = await buyAndPay(browser, '4242 4242 4242 4242');

    const paid = await waitForOrderState(browser, reference, 'paid', 5_000);
    expect(paid.doc.querySelector('h1')?.textContent).to.equal('Thank you, your order is paid!');
    expect(paid.doc.querySelector('.card')?.textContent).to.equal('Visa ending in 4242');
    expect(gatewaySays(paid)).to.equal('succeeded');
    expect(paid.doc.querySelector('#awaiting-confirmation')).to.equal(null);
    expect(paid.doc.querySelector('meta[http-equiv="refresh"]')).to.equal(null);

    // The shop's list shows its own state.
    const list = await browser.get(`${demo.shopUrl}/orders`);
    const row = list.doc.querySelectorAll('tbody tr').find((tr) => tr.querySelector('a')?.textContent.trim() === reference);
    expect(row?.getAttribute('data-order-state')).to.equal('paid');

    // Every event went to the shop's endpoint and was acknowledged there with 200.
    const deliveries = await shopDeliveries(await paymentIdOf(reference));
    expect(deliveries.map((d) => d.event.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
    for (const { delivery } of deliveries) expect(delivery.state).to.equal('delivered');
    expect(logs.text()).to.not.match(/4242\s?4242\s?4242\s?4242/);
  });

  it('with the shop’s endpoint down (503) the order stays unpaid though the buyer is back; once it is up again the event the gateway held is delivered and marks it paid', async () => {
    webhookUp = false;
    const browser = new Browser();
    const { reference, orderPage } = await buyAndPay(browser, '4242 4242 4242 4242');

    // The buyer is back and the gateway says succeeded: the shop waits for the signed confirmation.
    expect(stateOn(orderPage)).to.equal('awaiting_payment');
    expect(gatewaySays(orderPage)).to.equal('succeeded');
    expect(orderPage.doc.querySelector('#awaiting-confirmation')?.textContent).to.contain('Waiting for the payment confirmation…');
    expect(orderPage.doc.querySelector('meta[http-equiv="refresh"]')?.getAttribute('content')).to.equal('3');

    // The gateway tried, was answered 503, and holds the event for a retry (not dead); the events
    // behind it wait their turn. Meanwhile nothing the gateway does makes the order paid.
    const paymentId = await paymentIdOf(reference);
    await demo.gateway.gateway.notifications.worker.runOnce();
    await sleep(300);
    const during = await shopDeliveries(paymentId);
    expect(during.map((d) => d.event.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);
    const head = during[0]!;
    expect(head.delivery.state).to.equal('pending');
    expect(head.delivery.attemptCount).to.be.at.least(1);
    expect(head.delivery.nextAttemptAt).to.be.a('string');
    const { body: headDetail } = await api<EventItem>(`/events/${head.event.id}`);
    const tries = headDetail.deliveries.find((d) => d.target === head.delivery.target)!.attempts!;
    expect(tries.every((t) => t.status === 503)).to.equal(true);
    for (const { delivery } of during) expect(delivery.state).to.not.equal('delivered');
    expect(stateOn(await browser.get(`${demo.shopUrl}/orders/${reference}`))).to.equal('awaiting_payment');

    // Back up. The next retry is due up to 10 s after the failed try (full jitter); rather than wait
    // for it, do what a merchant does after an outage: ask the gateway to redeliver the stuck event
    // now (POST /api/v1/events/:id/redeliver), and let the worker run. The queue behind it follows in order.
    webhookUp = true;
    const redeliverStuck = async () => {
      const stuck = (await shopDeliveries(paymentId)).find((d) => d.delivery.state === 'pending');
      if (stuck && stuck.delivery.nextAttemptAt && Date.parse(stuck.delivery.nextAttemptAt) > Date.now()) {
        expect((await api(`/events/${stuck.event.id}/redeliver`, 'POST')).status).to.equal(202);
      }
      await demo.gateway.gateway.notifications.worker.runOnce();
    };
    await redeliverStuck();
    const paid = await waitForOrderState(browser, reference, 'paid', 10_000, redeliverStuck);
    expect(paid.doc.querySelector('h1')?.textContent).to.equal('Thank you, your order is paid!');
    expect(paid.doc.querySelector('.card')?.textContent).to.equal('Visa ending in 4242');

    const after = await shopDeliveries(paymentId);
    for (const { delivery } of after) expect(delivery.state).to.equal('delivered');
  });
});
