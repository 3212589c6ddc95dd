import { expect } from 'chai';
import request from 'supertest';
import { startTestDemo, type RunningDemo } from '../support/demo-buyer.js';
import { csrfOf } from '../support/console.js';

describe('demo: the console admin made at start', () => {
  let running: RunningDemo;
  before(async () => (running = await startTestDemo('native')));
  after(() => running.close());

  it('signs in to the console with the email and password the banner shows', async () => {
    const { consoleAdmin, gatewayUrl } = running.demo;
    expect(consoleAdmin.url).to.equal(`${gatewayUrl}/console`);
    expect(consoleAdmin.password.length).to.be.at.least(12);
    const agent = request.agent(running.demo.gateway);
    const page = await agent.get('/console/sign-in');
    const signedIn = await agent.post('/console/sign-in').type('form').send({ _csrf: csrfOf(page), email: consoleAdmin.email, password: consoleAdmin.password });
    expect(signedIn.status).to.equal(303);
    const users = await agent.get('/console/users');
    expect(users.status).to.equal(200);
    expect(users.text).to.contain(consoleAdmin.email);
  });
});
