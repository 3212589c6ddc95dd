import { expect } from 'chai';
import { Browser } from '../../support/browser.js';
import type { Stack } from '../../support/stack.js';
import { independentHmacSeal } from './fixtures.js';
import { SIPS_KEYS, SIPS_MERCHANT_ID, startSipsStack } from './sips-stack.js';

interface Started {
  paymentId: string;
  ref: string;
}

/** A Sips response for the attempt, sealed (independently) with `key`, with the fields a test wants to change. */
async function response(ref: string, overrides: Record<string, string | undefined> = {}, key: string = SIPS_KEYS['1']): Promise<Record<string, string>> {
  const fields: Record<string, string | undefined> = {
    amount: '2480',
    currencyCode: '978',
    merchantId: SIPS_MERCHANT_ID,
    transactionReference: ref,
    keyVersion: '1',
    responseCode: '00',
    acquirerResponseCode: '00',
    authorisationId: '654321',
    maskedPan: '############4242',
    paymentMeanBrand: 'VISA',
    ...overrides,
  };
  const data = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join('|');
  return { Data: data, Seal: await independentHmacSeal(data, key), InterfaceVersion: 'HP_2.20' };
}

describe('Sips responses through the gateway (/bank/sips/notify and /return)', () => {
  let stack: Stack;

  before(async () => {
    stack = await startSipsStack();
  });
  after(async () => {
    await stack.close();
  });

  /** A payment whose buyer was sent to the Paypage: one pending attempt, the bank not involved. */
  async function started(): Promise<Started> {
    const payment = await stack.createPayment();
    const browser = new Browser();
    const redirect = await browser.submitForm(await browser.get(payment.checkoutUrl), 'form');
    const data = redirect.doc.querySelector('#bank-redirect input[name=Data]')!.getAttribute('value')!;
    const ref = /(?:^|\|)transactionReference=([A-Za-z0-9]+)/.exec(data)![1]!;
    return { paymentId: payment.id, ref };
  }

  async function notify(fields: Record<string, string>): Promise<{ status: number; body: string }> {
    const res = await fetch(`${stack.gatewayUrl}/bank/sips/notify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    return { status: res.status, body: await res.text() };
  }

  async function state(paymentId: string) {
    const body = (await stack.api(`/payments/${paymentId}`)).body;
    return { status: body.status, attempts: body.attempts.map((a: { status: string }) => a.status), events: body.events.map((e: { type: string }) => e.type), anomalies: body.anomalies, version: body.version };
  }

  async function expectUnchanged(paymentId: string, fields: Record<string, string>, status = 400): Promise<void> {
    const before = await state(paymentId);
    const answer = await notify(fields);
    expect(answer).to.deep.equal({ status, body: '' });
    expect(await state(paymentId)).to.deep.equal(before);
  }

  it('accepts a sealed automatic response with 200 and an empty body, and applies it once', async () => {
    const { paymentId, ref } = await started();
    expect(await notify(await response(ref))).to.deep.equal({ status: 200, body: '' });
    expect(await state(paymentId)).to.deep.include({ status: 'succeeded', attempts: ['authorised'], events: ['payment.created', 'payment.pending', 'payment.succeeded'] });
  });

  it('a duplicate automatic response, or the same response by return, changes nothing and notifies nobody again', async () => {
    const { paymentId, ref } = await started();
    const sealed = await response(ref);
    expect((await notify(sealed)).status).to.equal(200);
    const after = await state(paymentId);
    expect((await notify(sealed)).status).to.equal(200);
    expect((await notify(await response(ref))).status).to.equal(200);
    const back = await fetch(`${stack.gatewayUrl}/bank/sips/return`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(sealed).toString() });
    expect(back.status).to.equal(303);
    expect(back.headers.get('location')).to.equal(`${stack.gatewayUrl}/checkout/${paymentId}/result`);
    expect(await state(paymentId)).to.deep.equal(after);
  });

  it('a refusal after the success is recorded as an anomaly and never undoes it', async () => {
    const { paymentId, ref } = await started();
    await notify(await response(ref));
    expect((await notify(await response(ref, { responseCode: '05', acquirerResponseCode: '05', authorisationId: undefined }))).status).to.equal(200);
    const after = await state(paymentId);
    expect(after).to.deep.include({ status: 'succeeded', attempts: ['authorised'], anomalies: ['regression_after_success'] });
    expect(after.events).to.not.include('payment.failed');
  });

  describe('refuses with 400, nothing changed', () => {
    it('a field changed after sealing (responseCode, amount, reference)', async () => {
      const { paymentId, ref } = await started();
      const sealed = await response(ref, { responseCode: '05' });
      // The last character of the reference is changed to one it is not (a reference ending in Z stayed the same).
      const otherRef = `${ref.slice(0, -1)}${ref.endsWith('Z') ? 'Y' : 'Z'}`;
      for (const [from, to] of [['responseCode=05', 'responseCode=00'], ['amount=2480', 'amount=2481'], [ref, otherRef]] as const) {
        await expectUnchanged(paymentId, { ...sealed, Data: sealed.Data!.replace(from, to) });
      }
      await expectUnchanged(paymentId, { ...sealed, Data: `${sealed.Data}|responseCode=00` });
    });

    it('a response sealed with another key, or naming key version 2 but sealed with key 1', async () => {
      const { paymentId, ref } = await started();
      await expectUnchanged(paymentId, await response(ref, {}, 'not-our-key'));
      await expectUnchanged(paymentId, await response(ref, { keyVersion: '2' }, SIPS_KEYS['1']));
      await expectUnchanged(paymentId, await response(ref, { keyVersion: '3' }, SIPS_KEYS['1']));
    });

    it('a correctly sealed response for another merchantId', async () => {
      const { paymentId, ref } = await started();
      await expectUnchanged(paymentId, await response(ref, { merchantId: '002001000000001' }));
    });

    it('a correctly sealed response with another amount or currency: refused and flagged, the payment stays pending', async () => {
      const { paymentId, ref } = await started();
      for (const override of [{ amount: '1' }, { currencyCode: '840' }]) {
        const answer = await notify(await response(ref, override));
        expect(answer).to.deep.equal({ status: 400, body: '' });
      }
      const after = await state(paymentId);
      expect(after).to.deep.include({ status: 'pending', attempts: ['pending'] });
      expect(after.anomalies).to.have.members(['amount_mismatch', 'currency_mismatch']);
      expect(after.events).to.not.include('payment.succeeded');
      // The genuine response still goes through afterwards.
      expect((await notify(await response(ref))).status).to.equal(200);
      expect((await state(paymentId)).status).to.equal('succeeded');
    });

    it('a correctly sealed response about a reference we never sent', async () => {
      const { paymentId } = await started();
      await expectUnchanged(paymentId, await response('AUNKNOWNREFERENCE234567ABCD'));
    });

    it('garbage, missing fields, oversized Data', async () => {
      const { paymentId, ref } = await started();
      await expectUnchanged(paymentId, {});
      await expectUnchanged(paymentId, { Data: (await response(ref)).Data! });
      await expectUnchanged(paymentId, { ...(await response(ref)), Encode: 'base64' });
      await expectUnchanged(paymentId, { Data: 'x'.repeat(20_000), Seal: 'y' });
    });
  });

  it('a tampered browser return is refused, changes nothing, and the buyer is not sent to any result page', async () => {
    const { paymentId, ref } = await started();
    const before = await state(paymentId);
    const sealed = await response(ref);
    const back = await fetch(`${stack.gatewayUrl}/bank/sips/return`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...sealed, Data: sealed.Data!.replace('amount=2480', 'amount=1') }).toString(),
    });
    expect(back.status).to.equal(400);
    expect(back.headers.get('location')).to.equal(null);
    expect(await state(paymentId)).to.deep.equal(before);
  });

  // mocha runs a suite's own tests before its sub-suites: this one, last, sees every log line above.
  describe('afterwards', () => {
    it('logged refusals by reason only: no Data, Seal, key or masked PAN', () => {
      const logs = stack.logs.text();
      expect(logs).to.contain('bank notification refused');
      expect(logs).to.match(/"reason":"bad_seal"/).and.match(/"reason":"wrong_merchant"/).and.match(/"reason":"unknown_key_version"/);
      for (const secret of [...Object.values(SIPS_KEYS), 'maskedPan', '####', 'Seal=', 'responseCode=']) expect(logs).to.not.contain(secret);
    });
  });
});
