import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { sipsModule } from '../../../src/connectors/sips/module.js';

const dev = { production: false };
const base = {
  SIPS_MERCHANT_ID: '011223344550000',
  SIPS_SECRET_KEYS: '1:firstSecretKey',
  SIPS_PAYMENT_URL: 'https://payment-webinit.simu.sips-services.com/paymentInit',
};

describe('Sips settings', () => {
  it('is not configured when no SIPS_ variable is set', () => {
    expect(sipsModule.readSettings({ BANK_ID: 'x' }, dev)).to.deep.equal({ problems: [] });
  });

  it('reads the minimal settings with their defaults; a single key is the signing one', () => {
    const { settings, problems } = sipsModule.readSettings(base, dev);
    expect(problems).to.deep.equal([]);
    expect(settings).to.deep.equal({
      merchantId: '011223344550000',
      secretKeys: { '1': 'firstSecretKey' },
      keyVersion: '1',
      paymentUrl: base.SIPS_PAYMENT_URL,
      interfaceVersion: 'HP_2.20',
      legacySeal: false,
      encodeBase64: false,
      officeUrl: 'https://office-server.test.sips-services.com/rs-services/v2/',
      captureDays: 7,
    });
  });

  it('reads SIPS_OFFICE_URL (joined with a trailing slash) and SIPS_CAPTURE_DAYS; production has no Office URL unless set', () => {
    const set = sipsModule.readSettings({ ...base, SIPS_OFFICE_URL: 'https://office-server.sips-services.com/rs-services/v2', SIPS_CAPTURE_DAYS: '5' }, { production: true });
    expect(set.problems).to.deep.equal([]);
    expect(set.settings).to.deep.include({ officeUrl: 'https://office-server.sips-services.com/rs-services/v2/', captureDays: 5 });
    const unset = sipsModule.readSettings(base, { production: true });
    expect(unset.problems).to.deep.equal([]);
    expect(unset.settings).to.not.have.property('officeUrl');
  });

  it('names SIPS_OFFICE_URL and SIPS_CAPTURE_DAYS when they are bad', () => {
    expect(sipsModule.readSettings({ ...base, SIPS_OFFICE_URL: 'http://office.example/', SIPS_CAPTURE_DAYS: '0' }, { production: true }).problems).to.have.members([
      'SIPS_OFFICE_URL: must be https in production',
      'SIPS_CAPTURE_DAYS: must be a whole number of days from 1 to 99 (Sips captureDay), not "0"',
    ]);
    expect(sipsModule.readSettings({ ...base, SIPS_OFFICE_URL: 'not a url', SIPS_CAPTURE_DAYS: '100' }, dev).problems).to.have.members([
      'SIPS_OFFICE_URL: must be an absolute URL (e.g. https://office-server.test.sips-services.com/rs-services/v2/)',
      'SIPS_CAPTURE_DAYS: must be a whole number of days from 1 to 99 (Sips captureDay), not "100"',
    ]);
  });

  it('reads rotated keys, the signing version, the interface version and both flags', () => {
    const { settings, problems } = sipsModule.readSettings(
      { ...base, SIPS_SECRET_KEYS: '1:firstSecretKey, 2:secondSecretKey', SIPS_KEY_VERSION: '2', SIPS_INTERFACE_VERSION: 'HP_2.3', SIPS_LEGACY_SEAL: 'true', SIPS_ENCODE_BASE64: 'true' },
      dev,
    );
    expect(problems).to.deep.equal([]);
    expect(settings).to.deep.include({ secretKeys: { '1': 'firstSecretKey', '2': 'secondSecretKey' }, keyVersion: '2', interfaceVersion: 'HP_2.3', legacySeal: true, encodeBase64: true });
  });

  it('names every missing or bad value', () => {
    expect(sipsModule.readSettings({ SIPS_KEY_VERSION: '1' }, dev).problems).to.have.members([
      'SIPS_MERCHANT_ID: required when Sips is configured',
      'SIPS_SECRET_KEYS: required when Sips is configured',
      'SIPS_PAYMENT_URL: required when Sips is configured',
    ]);
    const bad = sipsModule.readSettings(
      { SIPS_MERCHANT_ID: '123', SIPS_SECRET_KEYS: 'nokeyversion,1:a,1:b', SIPS_PAYMENT_URL: 'ftp://x', SIPS_INTERFACE_VERSION: 'IR_WS_2.0', SIPS_LEGACY_SEAL: 'yes', SIPS_ENCODE_BASE64: '1' },
      dev,
    );
    expect(bad.settings).to.equal(undefined);
    expect(bad.problems.join('\n')).to.match(/SIPS_MERCHANT_ID: must be the 15-digit/).and.match(/SIPS_SECRET_KEYS: each entry is keyVersion:secretKey/)
      .and.match(/key version 1 is listed twice/).and.match(/SIPS_PAYMENT_URL: must be an http\(s\) URL/).and.match(/SIPS_INTERFACE_VERSION/)
      .and.match(/SIPS_LEGACY_SEAL: must be true or false/).and.match(/SIPS_ENCODE_BASE64: must be true or false/);
  });

  it('needs SIPS_KEY_VERSION with several keys, and one that has a key', () => {
    expect(sipsModule.readSettings({ ...base, SIPS_SECRET_KEYS: '1:a,2:b' }, dev).problems).to.deep.equal([
      'SIPS_KEY_VERSION: required when SIPS_SECRET_KEYS holds several keys (the version that seals requests)',
    ]);
    expect(sipsModule.readSettings({ ...base, SIPS_KEY_VERSION: '3' }, dev).problems).to.deep.equal(['SIPS_KEY_VERSION: 3 is not a version listed in SIPS_SECRET_KEYS']);
  });

  it('in production: https only, and never the public SIMU demo shop or its key', () => {
    const prod = { production: true };
    expect(sipsModule.readSettings({ ...base, SIPS_PAYMENT_URL: 'http://pay.example/paymentInit' }, prod).problems).to.deep.equal(['SIPS_PAYMENT_URL: must be https in production']);
    const demo = sipsModule.readSettings({ ...base, SIPS_MERCHANT_ID: '002001000000001', SIPS_SECRET_KEYS: '1:002001000000001_KEY1' }, prod).problems;
    expect(demo).to.have.length(2);
    expect(demo.join('\n')).to.contain('public SIMU demo shop').and.contain('published key');
    // In development the demo shop is what the SIMU environment is for.
    expect(sipsModule.readSettings({ ...base, SIPS_MERCHANT_ID: '002001000000001', SIPS_SECRET_KEYS: '1:002001000000001_KEY1' }, dev).problems).to.deep.equal([]);
  });

  it('is listed among the gateway connectors: the configuration carries its settings', () => {
    const config = loadConfig({ NODE_ENV: 'test', ...base, BANK_CONNECTOR: 'sips' });
    expect(config.connectors.sips).to.deep.include({ merchantId: '011223344550000', keyVersion: '1' });
    expect(config.defaultConnector).to.equal('sips');
  });
});
