import request from 'supertest';
import type { ConsoleRole } from '../../src/core/console-role.js';
import type { TestGateway } from './gateway.js';

export const PASSWORD = 'correct horse battery';

export const csrfOf = (res: request.Response): string => {
  const found = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!found) throw new Error(`no CSRF token in the page (status ${res.status})`);
  return found[1]!;
};

/** The console cookie a response sets, as `name=value`. */
export function consoleCookieOf(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => /^(__Host-)?hpp-console=/.test(c));
}

export async function addConsoleUser(gw: TestGateway, email: string, role: ConsoleRole, password = PASSWORD): Promise<void> {
  await gw.app.gateway.consoleUsers.add(email, role, password);
}

/** Signs the agent in with a password (no second factor); answers the sign-in POST's response. */
export async function signIn(agent: ReturnType<typeof request.agent>, email: string, password = PASSWORD): Promise<request.Response> {
  const page = await agent.get('/console/sign-in');
  return agent.post('/console/sign-in').type('form').send({ _csrf: csrfOf(page), email, password });
}
