import nock from 'nock';
import { stopRedis } from './redis-server.js';

/**
 * Mocha root hooks. No test reaches the network: outgoing connections are refused unless a test mocks
 * them with nock, or they go to loopback, 127.0.0.0/8 (the servers, gateways and redis-server the tests
 * start; 127.0.0.2 stands for another address of the machine).
 * The shared test redis-server stops once, after every suite has run.
 */
export const mochaHooks = {
  beforeAll(): void {
    nock.disableNetConnect();
    nock.enableNetConnect((host: string) => /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]|::1)(:\d+)?$/.test(host));
  },
  async afterAll(): Promise<void> {
    nock.enableNetConnect();
    await stopRedis();
  },
};
