import { parseArgs } from 'node:util';
import { loadConfigOrExit } from './config.js';
import { isConsoleRole, CONSOLE_ROLES } from './core/console-role.js';
import { GatewayError, ValidationError } from './core/errors.js';
import { createLogger } from './logger.js';
import { ConsoleUserService } from './service/console/console-users.js';
import { MIN_PASSWORD_LENGTH } from './service/console/password-hash.js';
import { openRedis } from './store/redis-connection.js';
import { RedisConsoleUserStore } from './store/redis-console-user-store.js';

const USAGE = `usage: hpp-gateway console-user add <email> --role=admin|operator|viewer   (password on standard input)
       hpp-gateway console-user list
       hpp-gateway console-user remove <email>
       hpp-gateway console-user reset-password <email>                    (password on standard input)

  The password is read from the first line of standard input (scriptable: printf 'pw\\n' | …), at
  least ${MIN_PASSWORD_LENGTH} characters. Users are stored on the gateway's Redis (REDIS_URL or REDIS_SENTINELS,
  REDIS_PREFIX, from the environment and .env, as for \`hpp-gateway start\`).
  In a source checkout: npm run console-user -- <arguments>`;

/** The first line of standard input, without its line ending; never echoed nor logged. */
async function passwordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (the line is not hidden; pipe it in to keep it off the screen): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function fail(message: string): never {
  console.error(`hpp-gateway console-user: ${message}`);
  process.exit(1);
}

/**
 * `hpp-gateway console-user` (`npm run console-user`): console users on the gateway's Redis. The
 * memory store lives inside one gateway process, which this separate command cannot reach: without
 * Redis it refuses (the demo creates its own admin at start).
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { role: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  const [command, email] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    if (!command && !values.help) process.exitCode = 1;
    return;
  }
  const config = loadConfigOrExit();
  const target = config.redisSentinel ?? config.redisUrl;
  if (!target) fail('console users are kept on Redis: set REDIS_URL (or REDIS_SENTINELS). The memory store lives inside the gateway process, where this command cannot reach it; the demo creates its own admin at start.');
  const redis = openRedis(target, { name: 'console-user', logger: createLogger('error') });
  const users = new ConsoleUserService(new RedisConsoleUserStore(redis, config.redisPrefix));
  try {
    switch (command) {
      case 'add': {
        if (!email) fail('add needs an email');
        if (!isConsoleRole(values.role)) fail(`add needs --role ${CONSOLE_ROLES.join('|')}`);
        const user = await users.add(email, values.role, await passwordFromStdin());
        console.log(`added ${user.email} (${user.role})`);
        break;
      }
      case 'list':
        for (const user of await users.list()) console.log(`${user.email}\t${user.role}\t${user.totp ? 'totp' : 'password only'}\t${user.createdAt}`);
        break;
      case 'remove':
        if (!email) fail('remove needs an email');
        await users.remove(email);
        console.log(`removed ${email.trim().toLowerCase()}`);
        break;
      case 'reset-password':
        if (!email) fail('reset-password needs an email');
        await users.resetPassword(email, await passwordFromStdin());
        console.log(`password reset for ${email.trim().toLowerCase()}; its sessions are signed out`);
        break;
      default:
        fail(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof ValidationError) fail(err.errors.map((e) => e.message).join(' '));
    if (err instanceof GatewayError) fail(err.message);
    throw err;
  } finally {
    await redis.quit().catch(() => undefined);
  }
}

await main();
