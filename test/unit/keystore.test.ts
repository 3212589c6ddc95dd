import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { compactVerify, createLocalJWKSet } from 'jose';
import { GatewayKeystore, generateSigningJwk } from '../../src/keys/keystore.js';

const run = promisify(execFile);

describe('gateway keys', () => {
  it('publishes only public members, with kid, alg and use', async () => {
    const keystore = await GatewayKeystore.fromJwks([await generateSigningJwk('EdDSA'), await generateSigningJwk('ES256')]);
    const jwks = keystore.publicJwks();
    expect(jwks.keys).to.have.length(2);
    for (const key of jwks.keys) {
      expect(key).to.not.have.property('d');
      expect(key).to.include.keys('kid', 'alg', 'use', 'kty');
    }
  });

  it('signs with the newest (first) key', async () => {
    const newest = await generateSigningJwk('ES256');
    const older = await generateSigningJwk('EdDSA');
    const keystore = await GatewayKeystore.fromJwks([newest, older]);
    expect(keystore.signingKey.kid).to.equal(newest.kid);
    expect(keystore.signingKey.alg).to.equal('ES256');
  });

  it('refuses keys outside the algorithm allow-list and public-only keys', async () => {
    const jwk = await generateSigningJwk('EdDSA');
    let refused = 0;
    for (const bad of [{ ...jwk, alg: 'HS256' }, { ...jwk, d: undefined }]) {
      try {
        await GatewayKeystore.fromJwks([bad]);
      } catch {
        refused += 1;
      }
    }
    expect(refused).to.equal(2);
  });

  it('`npm run keys` adds a new signing key in front, lists and removes keys, and writes the file 0600', async function () {
    this.timeout(30_000);
    const dir = await mkdtemp(path.join(tmpdir(), 'hpp-keys-'));
    const file = path.join(dir, 'gateway.private.json');
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/keys/generate-key-cli.ts', '--file', file, ...args]);
    await cli();
    await cli('--alg', 'ES256');
    const stored = JSON.parse(await readFile(file, 'utf8')) as { keys: Array<{ kid: string; alg: string }> };
    expect(stored.keys.map((k) => k.alg)).to.deep.equal(['ES256', 'EdDSA']);
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    const { stdout } = await cli('--list');
    expect(stdout).to.match(/^signing\s+ES256/m).and.match(/verifying\s+EdDSA/);
    // The `=` form, because a kid (a base64url thumbprint) may begin with a dash.
    await cli(`--remove=${stored.keys[1]!.kid}`);
    const after = JSON.parse(await readFile(file, 'utf8')) as { keys: unknown[] };
    expect(after.keys).to.have.length(1);

    // The file loads, and what it signs verifies against what it publishes.
    const keystore = await GatewayKeystore.fromFile(file);
    const { CompactSign } = await import('jose');
    const jws = await new CompactSign(new TextEncoder().encode('hello')).setProtectedHeader({ alg: keystore.signingKey.alg, kid: keystore.signingKey.kid }).sign(keystore.signingKey.key);
    const { payload } = await compactVerify(jws, createLocalJWKSet(keystore.publicJwks()));
    expect(new TextDecoder().decode(payload)).to.equal('hello');
  });
});
