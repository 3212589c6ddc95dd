import { expect } from 'chai';
import type { PaymentEvent } from '../../src/core/events.js';
import type { Payment } from '../../src/core/payment.js';
import { BuyerReceiptChannel, MerchantEmailChannel } from '../../src/notify/email-channel.js';
import { buyerRefundReceiptEmail, merchantRefundEmail, orderPaidEmail, type Mailer, type OutgoingEmail } from '../../src/notify/email.js';
import { capturedThenRefunded, paidThenRefundRefused, story } from './money-fixtures.js';

/** Intl puts narrow and non-breaking spaces in amounts and dates; compare with plain ones. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
/** Anything that could be a card number. */
const PAN_LIKE = /(?:\d[ -]?){12,18}\d/;

/** A mailer that keeps what it is given. */
function recordingMailer(): Mailer & { sent: OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  return {
    transport: 'outbox-dir',
    sent,
    async send(message) {
      sent.push(message);
      return { at: '2025-03-01T10:10:00.000Z', durationMs: 1, status: 250 };
    },
    close: () => undefined,
  };
}

/** What each channel sends for each event of a story: `type → kind`. */
async function sentFor(events: PaymentEvent[], payment: Payment): Promise<{ merchant: string[]; buyer: string[] }> {
  const merchantMailer = recordingMailer();
  const buyerMailer = recordingMailer();
  const merchant = new MerchantEmailChannel(merchantMailer, 'orders@shop.example', { merchantName: 'Demo Shop', timeZone: 'UTC' });
  const buyer = new BuyerReceiptChannel(buyerMailer, { merchantName: 'Demo Shop', timeZone: 'UTC' });
  for (const event of events) {
    if (merchant.wants(event, payment)) expect((await merchant.deliver(event, payment)).delivered).to.equal(true);
    if (buyer.wants(event, payment)) expect((await buyer.deliver(event, payment)).delivered).to.equal(true);
  }
  const described = (sent: OutgoingEmail[]) => sent.map((m) => `${events.find((e) => e.id === m.eventId)!.type} → ${m.kind}`);
  return { merchant: described(merchantMailer.sent), buyer: described(buyerMailer.sent) };
}

describe('emails after the payment', () => {
  describe('which events send which emails', () => {
    it('manual capture: the order is announced at the capture, not at the authorisation; refunds are told', async () => {
      const s = capturedThenRefunded();
      expect(s.events.map((e) => e.type)).to.include.members(['payment.authorized', 'payment.captured', 'refund.created', 'refund.succeeded']);
      const sent = await sentFor(s.events, s.payment);
      expect(sent.merchant).to.deep.equal(['payment.captured → order-paid', 'refund.succeeded → refund-made']);
      expect(sent.buyer).to.deep.equal(['payment.captured → buyer-receipt', 'refund.succeeded → buyer-refund-receipt']);
    });

    it('automatic capture: one order-paid email at payment.succeeded, and the merchant told of a refused refund (the buyer not)', async () => {
      const s = paidThenRefundRefused();
      const sent = await sentFor(s.events, s.payment);
      expect(sent.merchant).to.deep.equal(['payment.succeeded → order-paid', 'refund.failed → refund-refused']);
      expect(sent.buyer).to.deep.equal(['payment.succeeded → buyer-receipt']);
    });

    it('a capture or a refund the bank answered with another amount or currency: the merchant gets an operation-anomaly email, the buyer nothing', async () => {
      const capture = story('manual', [{ type: 'capture', amount: 2000, multipleCaptures: false, bankAnswer: { amount: 1900, currency: 'EUR' } }]);
      expect(await sentFor(capture.events, capture.payment)).to.deep.equal({ merchant: ['payment.anomaly → operation-anomaly'], buyer: [] });
      const refund = story('automatic', [
        { type: 'request_refund', refundId: 're_odd', amount: 700 },
        { type: 'refund_outcome', refundId: 're_odd', status: 'succeeded', amount: 700, currency: 'USD' },
      ]);
      expect(await sentFor(refund.events, refund.payment)).to.deep.equal({ merchant: ['payment.succeeded → order-paid', 'payment.anomaly → operation-anomaly'], buyer: ['payment.succeeded → buyer-receipt'] });

      const mailer = recordingMailer();
      const channel = new MerchantEmailChannel(mailer, 'orders@shop.example', { merchantName: 'Demo Shop', timeZone: 'UTC' });
      await channel.deliver(capture.event('payment.anomaly'), capture.payment);
      await channel.deliver(refund.event('payment.anomaly'), refund.payment);
      const [captureMail, refundMail] = mailer.sent.map((m) => ({ ...m, text: plain(m.text) }));
      expect(captureMail!.subject).to.equal(`Check order ${capture.payment.reference}: the bank answered the capture with another amount`);
      expect(captureMail!.text).to.contain('did not record the capture');
      expect(refundMail!.subject).to.equal(`Check order ${refund.payment.reference}: the bank answered the refund with another currency`);
      expect(refundMail!.text).to.contain('re_odd').and.contain('7.00').and.contain('stays pending');
    });

    it('an anomaly of the payment itself (not of an operation\'s answer) sends no email of its own', async () => {
      const s = story('automatic', [{ type: 'bank_outcome', outcome: { attemptRef: 'A1', status: 'refused', amount: 2480, currency: 'EUR' } }]);
      expect(s.events.map((e) => e.type)).to.include('payment.anomaly');
      expect((await sentFor(s.events, s.payment)).merchant).to.deep.equal(['payment.succeeded → order-paid']);
    });

    it('a void, or an authorisation never captured, sends no email', async () => {
      for (const s of [story('manual', [{ type: 'void' }]), story('manual', [])]) {
        expect(await sentFor(s.events, s.payment)).to.deep.equal({ merchant: [], buyer: [] });
      }
    });

    it('several captures: one order-paid email per capture, each with its own amount', async () => {
      const s = story('manual', [
        { type: 'capture', amount: 1000, multipleCaptures: true },
        { type: 'capture', amount: 1480, multipleCaptures: true },
      ]);
      const mailer = recordingMailer();
      const channel = new MerchantEmailChannel(mailer, 'orders@shop.example', { merchantName: 'Demo Shop', timeZone: 'UTC' });
      for (const event of s.events) if (channel.wants(event, s.payment)) await channel.deliver(event, s.payment);
      expect(mailer.sent.map((m) => m.subject)).to.deep.equal(['Order order-42 paid: €10.00', 'Order order-42 paid: €14.80']);
    });

    it('a buyer without an email gets no refund receipt', async () => {
      const s = capturedThenRefunded({ customer: { locale: 'fr' } });
      expect((await sentFor(s.events, s.payment)).buyer).to.deep.equal([]);
    });
  });

  describe('content', () => {
    it('order paid at capture: the amount captured and when, beside the amount authorised', () => {
      const s = capturedThenRefunded();
      const event = s.event('payment.captured');
      const content = orderPaidEmail({ payment: s.payment, merchantName: 'Demo Shop', to: 'orders@shop.example', captured: { amount: event.amount!, at: event.occurredAt } });
      expect(content.subject).to.equal('Order order-42 paid: €20.00');
      expect(content.text).to.contain('Amount captured: €20.00');
      expect(content.text).to.contain('Amount authorised: €24.80');
      expect(content.text).to.contain('Paid at: 1 March 2025 at 10:02 UTC');
      expect(content.text).to.contain('Card: Visa ending in 4242');
    });

    it('merchant, refund made: amount, refund id, reason, bank reference, totals', () => {
      const s = capturedThenRefunded();
      const refund = s.payment.refunds![0]!;
      const content = merchantRefundEmail({ payment: s.payment, news: { refund, outcome: 'succeeded', at: s.event('refund.succeeded').occurredAt }, merchantName: 'Demo Shop', to: 'orders@shop.example' });
      expect(content.to).to.equal('orders@shop.example');
      expect(content.subject).to.equal('Order order-42 refunded: €5.00');
      const text = plain(content.text);
      expect(text).to.contain('€5.00 of order order-42 was refunded to the buyer by Demo Shop.');
      for (const line of ['Refund id: re_first', 'Amount: €5.00', 'Reason given: Returned the mug', 'Bank reference: RF-1001', 'Captured: €20.00', 'Refunded so far: €5.00', 'Card: Visa ending in 4242', 'Refunded at: 1 March 2025 at 10:04 UTC']) {
        expect(text).to.contain(line);
      }
      expect(text).not.to.contain('Bank’s reason');
      expect(content.html).to.contain('<html lang="en">');
    });

    it('merchant, refund refused: the bank’s reason, and that the amount can be refunded again', () => {
      const s = paidThenRefundRefused();
      const refund = s.payment.refunds![0]!;
      const content = merchantRefundEmail({ payment: s.payment, news: { refund, outcome: 'failed', at: s.event('refund.failed').occurredAt }, merchantName: 'Demo Shop', to: 'orders@shop.example' });
      expect(content.subject).to.equal('Refund of €10.00 for order order-42 failed');
      expect(content.text).to.contain('The bank refused the refund of €10.00 of order order-42. No money was given back; the amount can be refunded again.');
      expect(content.text).to.contain('Bank’s reason: card account closed');
      expect(content.text).to.contain('Reason given: (none)');
      expect(content.text).to.contain('Refunded so far: €0.00');
    });

    it('buyer refund receipt in English', () => {
      const s = capturedThenRefunded();
      const content = buyerRefundReceiptEmail({ payment: s.payment, refund: s.payment.refunds![0]!, at: s.event('refund.succeeded').occurredAt, merchantName: 'Demo Shop', to: 'buyer@example.com', locale: 'en' });
      expect(content.to).to.equal('buyer@example.com');
      expect(content.subject).to.equal('Refund from Demo Shop');
      const text = plain(content.text);
      expect(text).to.contain('Demo Shop has refunded €5.00 to you.');
      expect(text).to.contain('Amount refunded: €5.00');
      expect(text).to.contain('Refunded to: Visa card ending in 4242');
      expect(text).to.contain('Refund reference: re_first');
      expect(text).to.contain('Date: 1 March 2025');
      // The merchant's reason is for the merchant's records.
      expect(text).not.to.contain('Returned the mug');
      expect(content.html).to.contain('<html lang="en">');
    });

    it('buyer refund receipt in French, subject and body', () => {
      const s = capturedThenRefunded();
      const content = buyerRefundReceiptEmail({ payment: s.payment, refund: s.payment.refunds![0]!, at: s.event('refund.succeeded').occurredAt, merchantName: 'Boutique Démo', to: 'acheteur@example.fr', locale: 'fr' });
      expect(content.subject).to.equal('Remboursement de Boutique Démo');
      const text = plain(content.text);
      expect(text).to.contain('Boutique Démo vous a remboursé 5,00 €.');
      expect(text).to.contain('Montant remboursé : 5,00 €');
      expect(content.text).to.contain('Montant remboursé\u00a0:');
      expect(text).to.contain('Remboursé sur : carte Visa se terminant par 4242');
      expect(text).to.contain('Référence du remboursement : re_first');
      expect(text).to.contain('1 mars 2025');
      expect(text).not.to.contain('Amount');
      expect(plain(content.html)).to.contain('<html lang="fr">');
      expect(plain(content.html)).to.contain('Reçu de remboursement');
    });

    it('the buyer channel writes the receipt in the buyer’s language', async () => {
      const s = capturedThenRefunded();
      const mailer = recordingMailer();
      await new BuyerReceiptChannel(mailer, { merchantName: 'Boutique Démo', timeZone: 'UTC' }).deliver(s.event('refund.succeeded'), s.payment);
      expect(mailer.sent[0]).to.include({ to: 'buyer@example.com', subject: 'Remboursement de Boutique Démo', kind: 'buyer-refund-receipt', eventId: s.event('refund.succeeded').id });
    });

    it('HTML-escapes every value and keeps line breaks out of the subject', () => {
      const s = story(
        'automatic',
        [
          { type: 'request_refund', refundId: 're_x', amount: 100, reason: '<img src=x onerror=alert(1)>' },
          { type: 'refund_outcome', refundId: 're_x', status: 'failed', failureReason: '<script>alert("bank")</script>' },
        ],
        { reference: 'o<1>\r\nBcc: victim@example.com' },
      );
      const refund = s.payment.refunds![0]!;
      const merchant = merchantRefundEmail({ payment: s.payment, news: { refund, outcome: 'failed', at: s.event('refund.failed').occurredAt }, merchantName: '<b>Shop</b>', to: 'orders@shop.example' });
      const buyer = buyerRefundReceiptEmail({ payment: s.payment, refund, at: s.event('refund.failed').occurredAt, merchantName: '<script>x</script>', to: 'buyer@example.com', locale: 'fr' });
      for (const content of [merchant, buyer]) {
        expect(content.html).not.to.match(/<script|<img|<b>|o<1>/);
        expect(content.subject).not.to.match(/[\r\n]/);
      }
      expect(merchant.html).to.contain('&lt;script&gt;alert(&quot;bank&quot;)&lt;/script&gt;');
      expect(merchant.html).to.contain('&lt;img src=x onerror=alert(1)&gt;');
      expect(buyer.html).to.contain('&lt;script&gt;x&lt;/script&gt;');
    });

    it('shows no more of a card than brand and last four, even when a reason holds a card number', () => {
      const s = story('automatic', [
        { type: 'request_refund', refundId: 're_pan', amount: 100, reason: 'card 4242424242424242 asked' },
        { type: 'refund_outcome', refundId: 're_pan', status: 'succeeded', bankReference: '4000056655665556' },
      ]);
      const refund = s.payment.refunds![0]!;
      const merchant = merchantRefundEmail({ payment: s.payment, news: { refund, outcome: 'succeeded', at: s.event('refund.succeeded').occurredAt }, merchantName: 'Demo Shop', to: 'orders@shop.example' });
      const buyer = buyerRefundReceiptEmail({ payment: s.payment, refund, at: s.event('refund.succeeded').occurredAt, merchantName: 'Demo Shop', to: 'buyer@example.com', locale: 'en' });
      for (const content of [merchant, buyer]) {
        expect(content.text).not.to.match(PAN_LIKE);
        expect(content.html).not.to.match(PAN_LIKE);
      }
    });
  });
});
