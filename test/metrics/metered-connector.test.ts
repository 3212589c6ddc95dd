import { expect } from 'chai';
import type { BankConnector } from '../../src/connectors/bank-connector.js';
import { meteredConnector } from '../../src/metrics/metered-connector.js';

describe('bank operations are counted where the connectors are handed to the gateway', () => {
  it('records each operation by its answer, an error when it throws, and hands the answer back unchanged', async () => {
    const counted: string[] = [];
    const connector = {
      name: 'acme',
      operations: {
        capabilities: { manualCapture: true, multipleCaptures: false, capture: true, void: true, refund: true, status: true },
        capture: async () => ({ outcome: 'succeeded' as const, amount: 100, currency: 'EUR' }),
        refund: async () => ({ outcome: 'unknown' as const, reason: 'timeout' }),
        void: async () => Promise.reject(new Error('boom')),
        status: async () => null,
      },
    } as unknown as BankConnector;
    const metered = meteredConnector(connector, (name, operation, result) => counted.push(`${name} ${operation} ${result}`));
    const target = {} as never;
    expect(await metered.operations!.capture!(target, 100)).to.deep.equal({ outcome: 'succeeded', amount: 100, currency: 'EUR' });
    await metered.operations!.refund!(target, 100, null);
    await metered.operations!.void!(target).catch(() => undefined);
    await metered.operations!.status!(target);
    expect(metered.name).to.equal('acme');
    expect(metered.operations!.refundStatus).to.equal(undefined);
    expect(counted).to.deep.equal(['acme capture succeeded', 'acme refund unknown', 'acme void error', 'acme status not_found']);
  });
});
