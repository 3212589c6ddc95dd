// `npm install` / `npm ci` in a source checkout, and installs from git: build the gateway (dist/) so that
// the package's exports and its `hpp-gateway` command resolve. Without dev dependencies
// (`npm ci --omit=dev`) there is no compiler: say so and leave it to a package that was built already.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
} catch {
  console.warn('hpp-gateway: TypeScript is not installed (no dev dependencies), dist/ is not rebuilt; production installs use the packed package, which carries dist/ (README, "Production install")');
  process.exit(0);
}
const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(built.status ?? 1);
