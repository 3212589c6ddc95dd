#!/usr/bin/env node
/**
 * `hpp-gateway <command>`: the installed package's one entry point, so that a production install needs
 * no TypeScript tooling. Each command is its own module, loaded only when asked for.
 */
const USAGE = `usage: hpp-gateway <command> [options]

commands:
  start    run the gateway (settings from the environment and .env; see the README's configuration table)
  worker   run a webhook and email delivery worker beside the gateways (needs REDIS_URL, PUBLIC_URL, GATEWAY_KEYS_FILE)
  keys     add, list or retire the gateway's signing keys (hpp-gateway keys --help)
  console-user  add, list, remove console users or reset a password (hpp-gateway console-user --help)

  hpp-gateway --help     this text
  hpp-gateway --version  the package version`;

const COMMANDS: Record<string, string> = {
  start: './main.js',
  worker: './worker.js',
  keys: './keys/generate-key-cli.js',
  'console-user': './console-user-cli.js',
};

async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    if (command === undefined) process.exitCode = 1;
    return;
  }
  if (command === '--version' || command === '-v') {
    const { createRequire } = await import('node:module');
    console.log((createRequire(import.meta.url)('../package.json') as { version: string }).version);
    return;
  }
  const module = COMMANDS[command];
  if (!module) {
    console.error(`hpp-gateway: unknown command "${command}"\n\n${USAGE}`);
    process.exitCode = 1;
    return;
  }
  // The command reads its own options from process.argv, as when run on its own.
  process.argv.splice(2, 1);
  await import(module);
}

await main(process.argv.slice(2));
