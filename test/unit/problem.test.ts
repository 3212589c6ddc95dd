import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { GatewayError, IllegalTransitionError } from '../../src/core/errors.js';
import { sendProblem } from '../../src/http/problem.js';

describe('sendProblem', () => {
  const answer = (error: GatewayError) => {
    const app = express();
    app.get('/', (_req, res) => sendProblem(res, error, '/here'));
    return request(app).get('/');
  };

  it('keeps the standard members even when an error has extras of the same names', async () => {
    const res = await answer(new GatewayError('reference_conflict', 'Taken.', { type: 'x', title: 'x', status: 'x', detail: 'x', instance: 'x', existingPaymentId: 'pay_1' }));
    expect(res.status).to.equal(409);
    expect(res.body).to.deep.equal({
      type: 'https://hpp-gateway.dev/problems/reference_conflict',
      title: 'Reference already in use',
      status: 409,
      detail: 'Taken.',
      instance: '/here',
      existingPaymentId: 'pay_1',
    });
  });

  it('gives an illegal transition the HTTP status as status and the payment status as paymentStatus', async () => {
    const res = await answer(new IllegalTransitionError('succeeded', 'cancel'));
    expect(res.body).to.include({ status: 409, paymentStatus: 'succeeded' });
  });
});
