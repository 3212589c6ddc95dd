import { expect } from 'chai';
import { DEFAULT_CAPTURE_WINDOW_MS, readNativeSettings } from '../../../src/connectors/native/settings.js';

const BASE = {
  BANK_ID: 'sandbox-bank',
  BANK_MERCHANT_ID: 'merchant-42',
  BANK_PAYMENT_URL: 'https://bank.example/pay',
  BANK_JWKS_URL: 'https://bank.example/.well-known/jwks.json',
};

describe('native connector settings: the operations API and the capture window (docs/protocol.md, sections 4.6 and 11)', () => {
  it('reads BANK_OPERATIONS_URL and BANK_CAPTURE_WINDOW', () => {
    const { settings, problems } = readNativeSettings({ ...BASE, BANK_OPERATIONS_URL: 'https://bank.example/operations', BANK_CAPTURE_WINDOW: '48h' });
    expect(problems).to.deep.equal([]);
    expect(settings).to.deep.include({ operationsUrl: 'https://bank.example/operations', captureWindowMs: 48 * 3_600_000 });
  });

  it('without them: no operations URL, and the sandbox bank\'s 7-day window', () => {
    const { settings } = readNativeSettings(BASE);
    expect(settings).to.not.have.property('operationsUrl');
    expect(settings!.captureWindowMs).to.equal(DEFAULT_CAPTURE_WINDOW_MS).and.equal(7 * 24 * 3_600_000);
  });

  it('refuses an operations URL that is not absolute http(s), and a window that is not a positive duration, one line each', () => {
    const { settings, problems } = readNativeSettings({ ...BASE, BANK_OPERATIONS_URL: 'ftp://bank.example/operations', BANK_CAPTURE_WINDOW: 'a week' });
    expect(settings).to.equal(undefined);
    expect(problems).to.deep.equal(['BANK_OPERATIONS_URL: must be an absolute http(s) URL', 'BANK_CAPTURE_WINDOW: must be a duration like 7d or 168h']);
    expect(readNativeSettings({ ...BASE, BANK_CAPTURE_WINDOW: '0d' }).problems).to.deep.equal(['BANK_CAPTURE_WINDOW: must be a duration like 7d or 168h']);
  });

  it('an operations URL alone configures the bank, so the missing settings are named', () => {
    expect(readNativeSettings({ BANK_OPERATIONS_URL: 'https://bank.example/operations' }).problems).to.include('BANK_ID: required when a bank is configured');
  });
});
