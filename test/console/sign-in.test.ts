import { expect } from 'chai';
import request from 'supertest';
import { totpCode } from '../../src/service/console/totp.js';
import { testGateway, type TestGateway } from '../support/gateway.js';
import { addConsoleUser, consoleCookieOf, csrfOf, PASSWORD, signIn } from '../support/console.js';

const ADMIN = 'admin@shop.example';

describe('console sign-in', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await testGateway({ env: { TRUST_PROXY: 'loopback', CONSOLE_SIGNIN_FAILURES_ACCOUNT: '3', CONSOLE_SIGNIN_FAILURES_IP: '5' } });
    await addConsoleUser(gw, ADMIN, 'admin');
  });
  afterEach(() => gw.close());

  it('sends the console cookie HttpOnly, SameSite=Strict, Path=/, named hpp-console over http and __Host- (Secure) over https', async () => {
    const overHttp = consoleCookieOf(await request(gw.app).get('/console/sign-in'))!;
    expect(overHttp).to.match(/^hpp-console=/);
    expect(overHttp).to.match(/; Path=\//).and.match(/; HttpOnly/).and.match(/; SameSite=Strict/);
    expect(overHttp).to.not.match(/; Secure/).and.not.match(/Domain=/i);

    const overHttps = consoleCookieOf(await request(gw.app).get('/console/sign-in').set('X-Forwarded-Proto', 'https'))!;
    expect(overHttps).to.match(/^__Host-hpp-console=/);
    expect(overHttps).to.match(/; Path=\//).and.match(/; HttpOnly/).and.match(/; SameSite=Strict/).and.match(/; Secure/);
    expect(overHttps).to.not.match(/Domain=/i);
    // Never the buyer's session.
    expect(overHttps).to.not.contain('hpp.sid');
  });

  it('gives a new session id at sign-in (no fixation) and sends pages only to a signed-in user', async () => {
    expect((await request(gw.app).get('/console/payments')).headers.location).to.equal('/console/sign-in');
    const agent = request.agent(gw.app);
    const page = await agent.get('/console/sign-in');
    const before = consoleCookieOf(page)!.split(';')[0];
    const signedIn = await agent.post('/console/sign-in').type('form').send({ _csrf: csrfOf(page), email: ADMIN, password: PASSWORD });
    expect(signedIn.status).to.equal(303);
    expect(signedIn.headers.location).to.equal('/console/payments');
    const after = consoleCookieOf(signedIn)!.split(';')[0];
    expect(after).to.not.equal(before);
    expect((await agent.get('/console/payments')).status).to.equal(200);
    // The id from before sign-in is worth nothing now.
    expect((await request(gw.app).get('/console/payments').set('Cookie', before!)).status).to.equal(303);
  });

  it('refuses a form without its CSRF token, or with another session\'s, with 403 and changes nothing', async () => {
    const agent = request.agent(gw.app);
    await agent.get('/console/sign-in');
    const missing = await agent.post('/console/sign-in').type('form').send({ email: ADMIN, password: PASSWORD });
    expect(missing.status).to.equal(403);
    expect(missing.text).to.contain('This form has expired');

    const other = request.agent(gw.app);
    const othersToken = csrfOf(await other.get('/console/sign-in'));
    const replayed = await agent.post('/console/sign-in').type('form').send({ _csrf: othersToken, email: ADMIN, password: PASSWORD });
    expect(replayed.status).to.equal(403);
    expect((await agent.get('/console/payments')).status).to.equal(303);

    // A token from before sign-in does not survive it: the session it belonged to is gone.
    const page = await agent.get('/console/sign-in');
    const oldToken = csrfOf(page);
    await agent.post('/console/sign-in').type('form').send({ _csrf: oldToken, email: ADMIN, password: PASSWORD });
    await addConsoleUser(gw, 'victim@shop.example', 'viewer');
    const usersBefore = await gw.app.gateway.consoleUsers.list();
    const stale = await agent.post('/console/users/remove').type('form').send({ _csrf: oldToken, email: 'victim@shop.example' });
    expect(stale.status).to.equal(403);
    expect(await gw.app.gateway.consoleUsers.list()).to.deep.equal(usersBefore);
  });

  it('answers a wrong password 401 with the same message as an unknown email, and limits failed sign-ins per account with a clear message', async () => {
    const agent = request.agent(gw.app);
    const wrong = await signIn(agent, ADMIN, 'not the password at all');
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.contain('Wrong email or password.');
    const unknown = await signIn(agent, 'nobody@shop.example', PASSWORD);
    expect(unknown.status).to.equal(401);
    expect(unknown.text).to.contain('Wrong email or password.');

    await signIn(agent, ADMIN, 'not the password at all');
    await signIn(agent, ADMIN, 'not the password at all');
    // The fourth failure on this account (limit 3): refused before the password is even checked,
    // and the right password is refused too until the window ends.
    const limited = await signIn(agent, ADMIN, PASSWORD);
    expect(limited.status).to.equal(429);
    expect(limited.text).to.contain('Too many failed sign-ins. Wait 15 minutes before trying again.');
    expect((await agent.get('/console/payments')).status).to.equal(303);
    // In French too.
    const page = await agent.get('/console/sign-in').set('Accept-Language', 'fr');
    const french = await agent.post('/console/sign-in').set('Accept-Language', 'fr').type('form').send({ _csrf: csrfOf(page), email: ADMIN, password: PASSWORD });
    expect(french.text).to.contain('Trop de connexions échouées.');
  });

  it('limits failed sign-ins per IP across accounts', async () => {
    const agent = request.agent(gw.app);
    for (let i = 0; i < 5; i++) expect((await signIn(agent, `guess${i}@shop.example`, 'not the password at all')).status).to.equal(401);
    expect((await signIn(agent, 'guess9@shop.example', 'not the password at all')).status).to.equal(429);
  });

  it('ends a session after 30 minutes without a request, and not before', async () => {
    const agent = request.agent(gw.app);
    await signIn(agent, ADMIN);
    gw.clock.advance(29 * 60_000);
    expect((await agent.get('/console/payments')).status).to.equal(200);
    // The request above counted as activity: the limit runs from it.
    gw.clock.advance(29 * 60_000);
    expect((await agent.get('/console/payments')).status).to.equal(200);
    gw.clock.advance(31 * 60_000);
    const ended = await agent.get('/console/payments');
    expect(ended.status).to.equal(303);
    expect(ended.headers.location).to.equal('/console/sign-in?ended=1');
    expect((await agent.get('/console/payments')).status).to.equal(303);
  });

  it('"sign out everywhere" ends the user\'s other sessions at their next request; a password reset does too', async () => {
    const laptop = request.agent(gw.app);
    const phone = request.agent(gw.app);
    await signIn(laptop, ADMIN);
    await signIn(phone, ADMIN);
    const account = await laptop.get('/console/account');
    const out = await laptop.post('/console/sign-out-everywhere').type('form').send({ _csrf: csrfOf(account) });
    expect(out.status).to.equal(303);
    expect((await phone.get('/console/payments')).status).to.equal(303);
    expect((await laptop.get('/console/payments')).status).to.equal(303);

    await signIn(phone, ADMIN);
    expect((await phone.get('/console/payments')).status).to.equal(200);
    await gw.app.gateway.consoleUsers.resetPassword(ADMIN, 'another long password');
    expect((await phone.get('/console/payments')).status).to.equal(303);
    expect((await signIn(phone, ADMIN, 'another long password')).status).to.equal(303);
  });

  it('enrols a TOTP second factor (QR code as SVG, secret as text) and then asks for a code at sign-in, each code good once', async () => {
    const agent = request.agent(gw.app);
    await signIn(agent, ADMIN);
    const enrol = await agent.get('/console/account/totp');
    expect(enrol.status).to.equal(200);
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(enrol.text)![1]!;
    const qr = /src="data:image\/svg\+xml;base64,([^"]+)"/.exec(enrol.text)![1]!;
    expect(Buffer.from(qr, 'base64').toString('utf8')).to.match(/^<svg /);
    expect(enrol.headers['content-security-policy']).to.contain("script-src 'nonce-");
    expect(enrol.text).to.not.match(/<script|\son[a-z]+=/i);

    const wrong = await agent.post('/console/account/totp').type('form').send({ _csrf: csrfOf(enrol), code: '000000' });
    expect(wrong.headers.location).to.equal('/console/account/totp?failed=1');
    expect((await gw.app.gateway.consoleUsers.get(ADMIN))!.totpSecret).to.equal(null);
    const enabled = await agent.post('/console/account/totp').type('form').send({ _csrf: csrfOf(enrol), code: totpCode(secret, gw.clock.now) });
    expect(enabled.text).to.contain('Two-step verification is on.');
    expect((await gw.app.gateway.consoleUsers.get(ADMIN))!.totpSecret).to.equal(secret);
    expect(gw.logs.join('')).to.not.contain(secret);

    const next = request.agent(gw.app);
    const afterPassword = await signIn(next, ADMIN);
    expect(afterPassword.headers.location).to.equal('/console/sign-in/totp');
    // The password alone opens nothing.
    expect((await next.get('/console/payments')).status).to.equal(303);
    gw.clock.advance(30_000);
    const code = totpCode(secret, gw.clock.now);
    const totpPage = await next.get('/console/sign-in/totp');
    const bad = await next.post('/console/sign-in/totp').type('form').send({ _csrf: csrfOf(totpPage), code: code === '123456' ? '654321' : '123456' });
    expect(bad.status).to.equal(401);
    const good = await next.post('/console/sign-in/totp').type('form').send({ _csrf: csrfOf(bad), code });
    expect(good.status).to.equal(303);
    expect(good.headers.location).to.equal('/console/payments');
    expect((await next.get('/console/payments')).status).to.equal(200);

    // The same code a second time is refused (replay).
    const third = request.agent(gw.app);
    await signIn(third, ADMIN);
    const page = await third.get('/console/sign-in/totp');
    expect((await third.post('/console/sign-in/totp').type('form').send({ _csrf: csrfOf(page), code })).status).to.equal(401);
  });

  it('never writes the password to the logs', async () => {
    const agent = request.agent(gw.app);
    await signIn(agent, ADMIN, 'a wrong password for the log test');
    await signIn(agent, ADMIN);
    expect(gw.logs.join('')).to.not.contain('a wrong password for the log test').and.not.contain(PASSWORD);
    expect(gw.logs.join('')).to.contain('console sign-in');
  });
});
