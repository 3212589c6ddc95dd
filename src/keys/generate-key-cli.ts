import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ALLOWED_ALGORITHMS, type SigningAlgorithm } from './algorithms.js';
import { generateSigningJwk, type KeyFile } from './keystore.js';

const USAGE = `usage: hpp-gateway keys [--file=<path>] [--alg=EdDSA|ES256|PS256]   add a signing key in front
       hpp-gateway keys --list                                           list the keys (the first signs)
       hpp-gateway keys --remove=<kid>                                   retire a key (never the last one)

  --file  the key file (default: GATEWAY_KEYS_FILE, else keys/gateway.private.json)
  --alg   the new key's algorithm (default: SIGNING_ALG, else EdDSA)
  In a source checkout: npm run keys -- <options>`;

/**
 * `hpp-gateway keys` (`npm run keys`) — adds a new signing key in front of the key file (it signs from the next start);
 * older keys stay published for verification until removed with `--remove=<kid>` (the `=` form: a kid may begin with a dash).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string', default: process.env.GATEWAY_KEYS_FILE ?? 'keys/gateway.private.json' },
      alg: { type: 'string', default: process.env.SIGNING_ALG ?? 'EdDSA' },
      remove: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const file = path.resolve(values.file!);
  let current: KeyFile = { keys: [] };
  try {
    current = JSON.parse(await readFile(file, 'utf8')) as KeyFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }

  if (values.list) {
    current.keys.forEach((k, i) => console.log(`${i === 0 ? 'signing ' : 'verifying'}  ${k.alg}  ${k.kid}`));
    return;
  }
  if (values.remove) {
    const before = current.keys.length;
    current.keys = current.keys.filter((k) => k.kid !== values.remove);
    if (current.keys.length === before) throw new Error(`no key with kid ${values.remove}`);
    if (current.keys.length === 0) throw new Error('refusing to remove the last key');
  } else {
    const alg = values.alg as SigningAlgorithm;
    if (!(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) throw new Error(`--alg must be one of ${ALLOWED_ALGORITHMS.join(', ')}`);
    const jwk = await generateSigningJwk(alg);
    current.keys.unshift(jwk);
    console.log(`new ${alg} signing key ${jwk.kid}`);
  }
  await mkdir(path.dirname(file), { recursive: true });
  // Write then rename, so a crash never leaves a half-written key file; 0600 because it holds private keys.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
  console.log(`${file}: ${current.keys.length} key(s); restart the gateway to use it`);
}

main().catch((err: Error) => {
  console.error(err.message);
  if ((err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) console.error(USAGE);
  process.exit(1);
});
