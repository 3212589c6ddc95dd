import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { verifyWebhook } from '../../src/notify/verify-webhook.js';
import { Browser } from '../support/browser.js';
import { startStack, type Stack } from '../support/stack.js';

const SECRET = 'whsec_flow_test_0123456789';
const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;

interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A whole journey with real notification peers: an HTTP webhook receiver and an SMTP server. */
describe('merchant notifications in a whole journey', function () {
  this.timeout(30_000);
  let stack: Stack;
  let receiver: Server;
  let smtp: SMTPServer;
  const webhooks: Received[] = [];
  const mails: ParsedMail[] = [];
  let receiverUp = true;

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!receiverUp) {
          res.writeHead(503).end();
          return;
        }
        webhooks.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        simpleParser(stream)
          .then((mail) => mails.push(mail))
          .then(() => done(), done);
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    stack = await startStack({
      env: {
        MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
        MERCHANT_WEBHOOK_SECRET: SECRET,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        MERCHANT_EMAIL: 'orders@shop.example',
        MAIL_FROM: 'payments@gateway.example',
      },
      deps: { deliveryWorker: true },
    });
  });
  after(async () => {
    await stack?.close();
    await new Promise((r) => receiver.close(r));
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  it('a paid order reaches the merchant by a verified webhook, an order-paid email and a buyer receipt', async () => {
    const payment = await stack.createPayment({ customer: { email: 'buyer@example.com', locale: 'fr' } });
    const browser = new Browser();
    const checkout = await browser.get(payment.checkoutUrl);
    const card = await browser.submitForm(await browser.submitForm(checkout, 'form'), '#bank-redirect');
    const back = await browser.submitForm(card, 'form', { cardNumber: '4242 4242 4242 4242', expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa' }, { name: 'action', value: 'pay' });
    await browser.submitForm(back, '#return-to-merchant');

    const succeeded = await until('the payment.succeeded webhook', () => webhooks.find((w) => JSON.parse(w.body).type === 'payment.succeeded' && JSON.parse(w.body).data.payment.id === payment.id));
    const byHmac = await verifyWebhook({ body: succeeded.body, headers: succeeded.headers, secret: SECRET });
    const byJws = await verifyWebhook({ body: succeeded.body, headers: succeeded.headers, jwks: stack.gateway.gateway.keystore.publicJwks() });
    expect(byHmac.verifiedBy).to.equal('hmac');
    expect(byJws.verifiedBy).to.equal('jws');
    const types = webhooks.filter((w) => JSON.parse(w.body).data.payment?.id === payment.id).map((w) => JSON.parse(w.body).type);
    expect(types).to.deep.equal(['payment.created', 'payment.pending', 'payment.succeeded']);

    const merchantMail = await until('the order-paid email', () => mails.find((m) => m.to && JSON.stringify(m.to).includes('orders@shop.example')));
    expect(merchantMail.text).to.contain(payment.reference).and.contain('4242');
    expect(merchantMail.text).not.to.match(/4242\s?4242\s?4242\s?4242/);
    const receipt = await until('the buyer receipt', () => mails.find((m) => m.to && JSON.stringify(m.to).includes('buyer@example.com')));
    expect(receipt.text).to.match(/24,80/);
    expect(mails).to.have.length(2);

    // The events API shows each event and its delivery.
    const events = (await stack.api(`/events?payment=${payment.id}`)).body;
    expect(events.items.map((e: { type: string }) => e.type)).to.deep.equal(['payment.succeeded', 'payment.pending', 'payment.created']);
    const detail = (await stack.api(`/events/${events.items[0].id}`)).body;
    const webhook = detail.deliveries.find((d: { target: string }) => d.target === 'webhook:0');
    expect(webhook.state).to.equal('delivered');
    expect(webhook.attempts[0].status).to.equal(200);
  });

  it('redelivers to the webhook endpoints only unless a target is named, so the buyer gets no second receipt', async () => {
    const payment = await stack.createPayment({ customer: { email: 'twice@example.com', locale: 'en' } });
    const browser = new Browser();
    const checkout = await browser.get(payment.checkoutUrl);
    const card = await browser.submitForm(await browser.submitForm(checkout, 'form'), '#bank-redirect');
    await browser.submitForm(card, 'form', { cardNumber: '4242 4242 4242 4242', expiry: FUTURE_EXPIRY, cvc: '123', cardType: 'visa' }, { name: 'action', value: 'pay' });
    const receipts = () => mails.filter((m) => JSON.stringify(m.to).includes('twice@example.com'));
    await until('the buyer receipt', () => (receipts().length > 0 ? true : undefined));
    const succeeded = (await stack.api(`/events?payment=${payment.id}&type=payment.succeeded`)).body.items[0];
    const sent = (id: string) => webhooks.filter((w) => JSON.parse(w.body).id === id).length;
    const allDelivered = async () => {
      const detail = (await stack.api(`/events/${succeeded.id}`)).body;
      return detail.deliveries.every((d: { state: string }) => d.state === 'delivered') ? detail : undefined;
    };
    await until('every delivery of payment.succeeded', allDelivered);
    expect(sent(succeeded.id)).to.equal(1);

    const again = await stack.api(`/events/${succeeded.id}/redeliver`, { method: 'POST' });
    expect(again.status).to.equal(202);
    const pendingTargets = again.body.deliveries.filter((d: { state: string }) => d.state === 'pending').map((d: { target: string }) => d.target);
    expect(pendingTargets).to.deep.equal(['webhook:0']);
    await until('the redelivered webhook', () => (sent(succeeded.id) === 2 ? true : undefined));
    const afterWebhook = await until('every delivery settled', allDelivered);
    for (const target of ['email:merchant', 'email:buyer']) {
      expect(afterWebhook.deliveries.find((d: { target: string }) => d.target === target).attempts, target).to.have.length(1);
    }
    expect(receipts()).to.have.length(1);

    // Named, the buyer's email is sent again, and nothing else.
    const toBuyer = await stack.api(`/events/${succeeded.id}/redeliver`, { method: 'POST', body: { target: 'email:buyer' } });
    expect(toBuyer.status).to.equal(202);
    await until('the second receipt', () => (receipts().length === 2 ? true : undefined));
    await until('every delivery settled', allDelivered);
    expect(sent(succeeded.id)).to.equal(2);

    for (const body of [{ target: 'email:nobody' }, { target: ['webhook:0'] }, { targets: 'webhook:0' }, ['webhook:0']]) {
      const refused = await stack.api(`/events/${succeeded.id}/redeliver`, { method: 'POST', body });
      expect(refused.status, JSON.stringify(body)).to.equal(400);
      expect(refused.body.errors.length, JSON.stringify(body)).to.equal(1);
    }
    expect((await stack.api(`/events/${succeeded.id}/redeliver`, { method: 'POST', body: { target: 'email:nobody' } })).body.errors[0].field).to.equal('target');
  });

  it('an endpoint down for a while gets everything it missed once it is back, and redeliver sends again', async () => {
    receiverUp = false;
    const before = webhooks.length;
    const payment = await stack.createPayment();
    await until('a failed try', async () => {
      const events = (await stack.api(`/events?payment=${payment.id}`)).body;
      const d = events.items[0]?.deliveries.find((x: { target: string }) => x.target === 'webhook:0');
      return d && d.attemptCount > 0 ? true : undefined;
    });
    expect(webhooks.length).to.equal(before);
    receiverUp = true;
    const [event] = (await stack.api(`/events?payment=${payment.id}`)).body.items;
    // Make the retry due now rather than waiting for the back-off.
    const redelivered = await stack.api(`/events/${event.id}/redeliver`, { method: 'POST' });
    expect(redelivered.status).to.equal(202);
    await until('the missed webhook', () => webhooks.find((w) => JSON.parse(w.body).id === event.id));
    const bad = await stack.api('/events?delivery=lost');
    expect(bad.status).to.equal(400);
    expect((await stack.api('/events/evt_AAAAAAAAAAAAAAAAAAAAAA')).status).to.equal(404);
  });
});
