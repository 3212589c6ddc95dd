import { stopRedis } from './redis-server.js';

/** Mocha root hooks: the shared test redis-server stops once, after every suite has run. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopRedis();
  },
};
