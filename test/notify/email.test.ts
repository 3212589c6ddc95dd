import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { buyerReceiptEmail, createMailer, emailMessageId, orderPaidEmail, type Mailer } from '../../src/notify/email.js';
import { paidPayment } from './fixtures.js';

const FROM = '"Demo Shop payments" <payments@shop.example>';
const EVENT_ID = 'evt_3mJr7AoUXx7Wqd9zYBwZQ1';

/** 13 to 19 digits, possibly grouped by spaces or dashes: anything that could be a card number. */
const PAN_LIKE = /(?:\d[ -]?){12,18}\d/;
for (const pan of ['4242424242424242', '4242 4242 4242 4242', '3782-822463-10005']) if (!PAN_LIKE.test(pan)) throw new Error(`PAN_LIKE misses ${pan}`);

/**
 * The raw message without its MIME boundaries: they are random hex with dashes, which now and then
 * holds a run of 13 digits and would look like a card number without being any content of ours.
 */
function withoutBoundaries(raw: string): string {
  const boundaries = [...raw.matchAll(/boundary="?([^";\r\n]+)"?/g)].map((m) => m[1]!);
  return boundaries.reduce((text, boundary) => text.split(boundary).join(''), raw);
}

/** Intl puts narrow and non-breaking spaces in amounts and dates; compare with plain ones. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

interface Received {
  envelopeTo: string[];
  mail: ParsedMail;
  raw: string;
}

describe('email channel', () => {
  describe('over SMTP', () => {
    let server: SMTPServer;
    let port: number;
    let received: Received[];
    let rejectRecipients: boolean;
    let mailer: Mailer;

    before(async () => {
      server = new SMTPServer({
        authOptional: true,
        secure: false,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onRcptTo(address, _session, callback) {
          if (rejectRecipients) {
            const err = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
            return callback(err);
          }
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            const raw = Buffer.concat(chunks);
            simpleParser(raw)
              .then((mail) => {
                received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail, raw: raw.toString('utf8') });
                callback();
              })
              .catch(callback);
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.server.address() as { port: number }).port;
      mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, outboxDir: '/nonexistent-not-used' });
    });

    beforeEach(() => {
      received = [];
      rejectRecipients = false;
    });

    after(async () => {
      mailer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('sends the merchant the order-paid email: reference, amount, bank ids, brand and last four only', async () => {
      const content = orderPaidEmail({ payment: paidPayment(), merchantName: 'Demo Shop', to: 'orders@shop.example' });
      const record = await mailer.send({ ...content, eventId: EVENT_ID, kind: 'order-paid' });
      expect(record.error).to.equal(undefined);
      expect(record.status).to.equal(250);

      expect(received).to.have.length(1);
      const { mail, envelopeTo, raw } = received[0]!;
      expect(envelopeTo).to.deep.equal(['orders@shop.example']);
      expect(addresses(mail.to)).to.deep.equal(['orders@shop.example']);
      expect(addresses(mail.from)).to.deep.equal(['payments@shop.example']);
      expect(mail.subject).to.equal('Order order-42 paid: €24.80');
      expect(mail.messageId).to.equal(`<${EVENT_ID}.order-paid@shop.example>`);

      for (const body of [mail.text!, mail.html as string]) {
        expect(body).to.contain('order-42');
        expect(body).to.contain('€24.80');
        expect(body).to.contain('BT-778899');
        expect(body).to.contain('A1B2C3');
        expect(body).to.contain('Visa ending in 4242');
        // The refused attempt's card is not the one that paid.
        expect(body).not.to.contain('0005');
      }
      expect(withoutBoundaries(raw)).not.to.match(PAN_LIKE);
      expect(mail.text!).not.to.match(PAN_LIKE);
      expect(mail.html as string).not.to.match(PAN_LIKE);
    });

    it('warns the merchant of an anomaly on a paid order', async () => {
      const content = orderPaidEmail({ payment: paidPayment({ anomalies: ['succeeded_after_expiry'] }), merchantName: 'Demo Shop', to: 'orders@shop.example' });
      await mailer.send({ ...content, eventId: EVENT_ID, kind: 'order-paid' });
      expect(received[0]!.mail.text).to.contain('Check this payment before you ship: the bank confirmed it after the payment link had expired.');
    });

    it('sends the buyer an English receipt', async () => {
      const content = buyerReceiptEmail({ payment: paidPayment(), merchantName: 'Demo Shop', to: 'buyer@example.com', locale: 'en' });
      await mailer.send({ ...content, eventId: EVENT_ID, kind: 'buyer-receipt' });
      const { mail } = received[0]!;
      expect(addresses(mail.to)).to.deep.equal(['buyer@example.com']);
      expect(mail.subject).to.equal('Receipt for your payment to Demo Shop');
      expect(mail.messageId).to.equal(`<${EVENT_ID}.buyer-receipt@shop.example>`);
      const text = plain(mail.text!);
      expect(text).to.contain('Your payment to Demo Shop was accepted by your bank.');
      expect(text).to.contain('Amount: €24.80');
      expect(text).to.contain('Card: Visa ending in 4242');
      expect(text).to.contain('Date: 1 March 2025');
      expect(text).not.to.match(PAN_LIKE);
    });

    it('sends the buyer a French receipt, subject and body', async () => {
      const content = buyerReceiptEmail({ payment: paidPayment(), merchantName: 'Boutique Démo', to: 'acheteur@example.fr', locale: 'fr' });
      await mailer.send({ ...content, eventId: EVENT_ID, kind: 'buyer-receipt' });
      const { mail } = received[0]!;
      expect(mail.subject).to.equal('Reçu de votre paiement à Boutique Démo');
      const text = plain(mail.text!);
      expect(text).to.contain('Merci. Votre paiement à Boutique Démo a été accepté par votre banque.');
      // French typography: a non-breaking space before the colon ("Commande : …").
      expect(mail.text!).to.contain('Commande\u00a0: order-42');
      expect(mail.text!).not.to.match(/[A-Za-zÀ-ÿ’]:/);
      expect(text).to.contain('Montant : 24,80 €');
      expect(text).to.contain('Carte : Visa se terminant par 4242');
      expect(text).to.contain('Code d’autorisation : A1B2C3');
      expect(text).to.contain('1 mars 2025');
      expect(text).not.to.contain('Amount');
      const html = plain(mail.html as string);
      expect(html).to.contain('<html lang="fr">');
      expect(html).to.contain('24,80 €');
      expect(html).to.contain('Reçu de paiement');
    });

    it('tells the merchant the buyer’s email, the payment id and links the payment in the console; times in the merchant’s time zone', async () => {
      const payment = paidPayment({ customer: { email: 'buyer@example.com', locale: 'fr' } });
      const content = orderPaidEmail({
        payment,
        merchantName: 'Demo Shop',
        to: 'orders@shop.example',
        timeZone: 'Europe/Paris',
        consoleUrl: (id) => `https://pay.shop.example/console/payments/${id}`,
      });
      await mailer.send({ ...content, eventId: EVENT_ID, kind: 'order-paid' });
      const { mail } = received[0]!;
      const text = plain(mail.text!);
      expect(text).to.contain('Buyer’s email: buyer@example.com');
      expect(text).to.contain(`Payment id: ${payment.id}`);
      expect(text).to.contain(`In the console: https://pay.shop.example/console/payments/${payment.id}`);
      expect(mail.html as string).to.contain(`<a href="https://pay.shop.example/console/payments/${payment.id}">`);
      // 10:02 UTC is 11:02 in Paris in March (UTC+1).
      expect(text).to.contain('Paid at: 1 March 2025 at 11:02 Europe/Paris');
      expect(text).not.to.contain('10:02');
    });

    it('sends a Reply-To from the settings, and names the shop’s contact in the buyer’s receipt', async () => {
      const replying = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, replyTo: 'support@shop.example', outboxDir: '/nonexistent-not-used' });
      try {
        const content = buyerReceiptEmail({ payment: paidPayment(), merchantName: 'Boutique Démo', to: 'acheteur@example.fr', locale: 'fr', contactEmail: 'bonjour@shop.example', timeZone: 'Europe/Paris' });
        await replying.send({ ...content, eventId: EVENT_ID, kind: 'buyer-receipt' });
      } finally {
        replying.close();
      }
      const { mail } = received[0]!;
      expect(addresses(mail.replyTo)).to.deep.equal(['support@shop.example']);
      const text = plain(mail.text!);
      expect(text).to.contain('écrivez à Boutique Démo à l’adresse bonjour@shop.example');
      expect(text).to.contain('1 mars 2025 à 11:02 Europe/Paris');
    });

    it('sends no Reply-To unless one is set', async () => {
      const content = buyerReceiptEmail({ payment: paidPayment(), merchantName: 'Demo Shop', to: 'buyer@example.com', locale: 'en' });
      await mailer.send({ ...content, eventId: EVENT_ID, kind: 'buyer-receipt' });
      expect(received[0]!.mail.replyTo).to.equal(undefined);
      expect(plain(received[0]!.mail.text!)).to.contain('please contact Demo Shop.');
    });

    it('HTML-escapes every value', async () => {
      const payment = paidPayment({ reference: 'o<1>&"2"', description: '<img src=x onerror=alert(1)>' });
      const content = buyerReceiptEmail({ payment, merchantName: '<script>alert("x")</script>', to: 'buyer@example.com', locale: 'en' });
      expect(content.html).not.to.contain('<script>');
      expect(content.html).not.to.contain('<img');
      expect(content.html).to.contain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(content.html).to.contain('o&lt;1&gt;&amp;&quot;2&quot;');
      expect(content.text).to.contain('o<1>&"2"');
      await mailer.send({ ...content, eventId: EVENT_ID, kind: 'buyer-receipt' });
      expect(received[0]!.mail.html as string).not.to.contain('<script>');
    });

    it('keeps line breaks out of the subject', () => {
      const content = orderPaidEmail({ payment: paidPayment({ reference: 'a\r\nBcc: victim@example.com' }), merchantName: 'Demo Shop', to: 'orders@shop.example' });
      expect(content.subject).not.to.match(/[\r\n]/);
    });

    it('gives a retried email the same Message-ID', async () => {
      const content = orderPaidEmail({ payment: paidPayment(), merchantName: 'Demo Shop', to: 'orders@shop.example' });
      await mailer.send({ ...content, eventId: EVENT_ID, kind: 'order-paid' });
      await mailer.send({ ...content, eventId: EVENT_ID, kind: 'order-paid' });
      expect(received.map((r) => r.mail.messageId)).to.deep.equal([`<${EVENT_ID}.order-paid@shop.example>`, `<${EVENT_ID}.order-paid@shop.example>`]);
      expect(emailMessageId(EVENT_ID, 'order-paid', 'shop.example')).to.equal(`<${EVENT_ID}.order-paid@shop.example>`);
    });

    it('records a refusal by the server without throwing or quoting the address', async () => {
      rejectRecipients = true;
      const content = orderPaidEmail({ payment: paidPayment(), merchantName: 'Demo Shop', to: 'orders@shop.example' });
      const record = await mailer.send({ ...content, eventId: EVENT_ID, kind: 'order-paid' });
      expect(record.status).to.equal(undefined);
      expect(record.error).to.match(/^smtp /);
      expect(record.error).to.equal('smtp EENVELOPE 550 (permanent)');
      expect(record.error).not.to.contain('orders@shop.example');
      expect(received).to.have.length(0);
    });

    it('records a server that is not there', async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const closed = (probe.address() as { port: number }).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const down = createMailer({ smtpUrl: `smtp://127.0.0.1:${closed}`, from: FROM, outboxDir: '/nonexistent-not-used' });
      const record = await down.send({ ...orderPaidEmail({ payment: paidPayment(), merchantName: 'Demo Shop', to: 'orders@shop.example' }), eventId: EVENT_ID, kind: 'order-paid' });
      down.close();
      expect(record.error).to.equal('connection refused');
      expect(record.status).to.equal(undefined);
    });
  });

  describe('without SMTP: .eml files (the embedded default)', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'hpp-mail-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('writes <timestamp>-<eventId>-<kind>.eml that parses back to the same message', async () => {
      const logs: string[] = [];
      const logger = { info: (_f: Record<string, unknown>, m: string) => logs.push(m), warn: (_f: Record<string, unknown>, m: string) => logs.push(m) };
      const outboxDir = path.join(dir, 'outbox');
      const mailer = createMailer({ from: FROM, outboxDir, logger, clock: () => new Date('2025-03-01T10:02:03.456Z') });
      expect(mailer.transport).to.equal('outbox-dir');
      const content = buyerReceiptEmail({ payment: paidPayment(), merchantName: 'Boutique Démo', to: 'acheteur@example.fr', locale: 'fr' });
      const record = await mailer.send({ ...content, eventId: EVENT_ID, kind: 'buyer-receipt' });
      expect(record).to.include({ status: 250, at: '2025-03-01T10:02:03.456Z' });

      const files = await readdir(outboxDir);
      expect(files).to.deep.equal([`2025-03-01T10-02-03-456Z-${EVENT_ID}-buyer-receipt.eml`]);
      const mail = await simpleParser(await readFile(path.join(outboxDir, files[0]!)));
      expect(addresses(mail.to)).to.deep.equal(['acheteur@example.fr']);
      expect(mail.subject).to.equal('Reçu de votre paiement à Boutique Démo');
      expect(mail.messageId).to.equal(`<${EVENT_ID}.buyer-receipt@shop.example>`);
      expect(plain(mail.text!)).to.contain('Montant : 24,80 €');
      expect(mail.html).to.be.a('string').and.contain('4242');
      expect(logs.join('\n')).to.contain('development only');
      mailer.close();
    });

    it('records a directory it cannot write to without throwing', async () => {
      const blocker = path.join(dir, 'a-file');
      await import('node:fs/promises').then((fs) => fs.writeFile(blocker, 'x'));
      const mailer = createMailer({ from: FROM, outboxDir: path.join(blocker, 'outbox') });
      const record = await mailer.send({ ...orderPaidEmail({ payment: paidPayment(), merchantName: 'Demo Shop', to: 'orders@shop.example' }), eventId: EVENT_ID, kind: 'order-paid' });
      expect(record.status).to.equal(undefined);
      expect(record.error).to.match(/^cannot write the email/);
      expect(record.error).not.to.contain(dir);
    });
  });

  it('refuses to write an order-paid email for a payment without an authorised attempt', () => {
    const unpaid = paidPayment({ status: 'failed', attempts: [] });
    expect(() => orderPaidEmail({ payment: unpaid, merchantName: 'Demo Shop', to: 'orders@shop.example' })).to.throw(/no authorised attempt/);
  });
});
