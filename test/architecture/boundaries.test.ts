import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { importCycles, readImportGraph, type ImportGraph } from './import-graph.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The parts of the project and what each may import (docs/architecture.md, "Dependency rules"). A part
 * is a folder (ending in /) or a file; a file belongs to the longest part that contains it. Imports
 * inside a part are free; across parts only the listed ones are allowed.
 */
const ENTRY_POINTS = ['src/app.ts', 'src/index.ts', 'src/main.ts', 'src/worker.ts', 'src/cli.ts', 'src/console-user-cli.ts'];
const GATEWAY_PARTS = ['src/background-loop.ts', 'src/core/', 'src/protocols/', 'src/store/', 'src/keys/', 'src/i18n/', 'src/logger.ts', 'src/pretty-log.ts', 'src/request-context.ts', 'src/service/', 'src/connectors/', 'src/config.ts', 'src/notify/', 'src/metrics/', 'src/http/', 'src/console/', 'src/cluster-primary.ts'];

export const RULES: Record<string, readonly string[]> = {
  // The gateway, from the pure core up to the HTTP layer.
  'src/core/': [],
  // The native protocol's algorithm allow-list is the keys' own.
  'src/protocols/': ['src/core/', 'src/keys/algorithms.ts'],
  'src/store/': ['src/core/', 'src/logger.ts'],
  'src/keys/': ['src/core/'],
  'src/i18n/': ['src/core/'],
  'src/logger.ts': ['src/core/', 'src/pretty-log.ts', 'src/request-context.ts'],
  'src/pretty-log.ts': [],
  // The id of the request being served, read by whatever runs for it (log lines, bank and webhook calls).
  // It draws fresh ids from the core's pooled random bytes, like every other id.
  'src/request-context.ts': ['src/core/'],
  'src/background-loop.ts': [],
  'src/service/': ['src/core/', 'src/store/', 'src/connectors/', 'src/logger.ts', 'src/background-loop.ts'],
  'src/connectors/': ['src/core/', 'src/protocols/', 'src/keys/', 'src/logger.ts', 'src/request-context.ts'],
  'src/config.ts': ['src/core/', 'src/protocols/', 'src/connectors/', 'src/keys/'],
  'src/notify/': ['src/core/', 'src/store/', 'src/keys/', 'src/i18n/', 'src/logger.ts', 'src/config.ts', 'src/background-loop.ts', 'src/request-context.ts'],
  // Metrics decorate the store, the connectors and the channels from outside: none of them imports it.
  'src/metrics/': ['src/core/', 'src/store/', 'src/connectors/', 'src/notify/'],
  'src/http/': ['src/core/', 'src/service/', 'src/connectors/', 'src/keys/', 'src/i18n/', 'src/logger.ts', 'src/config.ts', 'src/metrics/', 'src/request-context.ts'],
  // The merchant console is a room of its own beside the buyer pages and the API: it reuses the HTTP
  // layer's pieces (CSRF, problem mapping, views) and reaches payments and users through the services
  // only; the HTTP layer knows nothing of it (app.ts mounts it).
  'src/console/': ['src/core/', 'src/service/', 'src/i18n/', 'src/logger.ts', 'src/http/', 'src/request-context.ts'],
  // The primary of WEB_CONCURRENCY processes forks and supervises them; it builds no part of the gateway.
  'src/cluster-primary.ts': ['src/logger.ts'],
  // Composition roots wire the gateway's parts together.
  ...Object.fromEntries(ENTRY_POINTS.map((file) => [file, [...GATEWAY_PARTS, ...ENTRY_POINTS]])),
  // Beside the gateway: they see only its public surface and the shared wire formats.
  'sandbox-bank/': ['src/index.ts', 'src/protocols/'],
  'demo/': ['src/index.ts', 'sandbox-bank/app.ts'],
};

export const PART_NAMES = Object.keys(RULES);

function partOf(file: string): string | undefined {
  return PART_NAMES.filter((part) => (part.endsWith('/') ? file.startsWith(part) : file === part)).sort((a, b) => b.length - a.length)[0];
}

function allowed(fromPart: string, target: string): boolean {
  const targetPart = partOf(target);
  if (targetPart === fromPart) return true;
  return RULES[fromPart]!.some((part) => (part.endsWith('/') ? target.startsWith(part) : target === part));
}

/** Every import that crosses a boundary the wrong way, as `from -> to`. */
export function violations(graph: ImportGraph): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph.imports) {
    const part = partOf(file);
    if (!part) continue;
    for (const target of targets) if (!allowed(part, target)) found.push(`${file} -> ${target}`);
  }
  return found;
}

describe('architecture: the parts and their dependency rules', () => {
  const graph = readImportGraph(ROOT, ['src', 'sandbox-bank', 'demo']);

  it('reads the whole tree (every part has files, every file a part)', () => {
    expect(graph.files.length).to.be.greaterThan(100);
    expect(graph.files.filter((file) => !partOf(file))).to.deep.equal([]);
    for (const part of PART_NAMES) expect(graph.files.some((file) => partOf(file) === part), part).to.equal(true);
  });

  it('no import crosses a boundary the wrong way', () => {
    expect(violations(graph)).to.deep.equal([]);
  });

  it('has no import cycle (type-only imports included)', () => {
    expect(importCycles(graph)).to.deep.equal([]);
  });

  it('the gateway never imports the sandbox bank or the demo, not even dynamically by a literal path', () => {
    const outward = [...graph.imports].filter(([file]) => file.startsWith('src/')).flatMap(([file, targets]) => targets.filter((t) => !t.startsWith('src/')).map((t) => `${file} -> ${t}`));
    expect(outward).to.deep.equal([]);
  });

  describe('the checks themselves', () => {
    const fake = (imports: Record<string, string[]>): ImportGraph => ({ files: Object.keys(imports), imports: new Map(Object.entries(imports)) });

    it('report an import that goes up a layer, into the sandbox or past the public surface', () => {
      const graph = fake({
        'src/core/money.ts': ['src/http/problem.ts'],
        'src/store/redis-store.ts': ['sandbox-bank/app.ts'],
        'sandbox-bank/cards.ts': ['src/core/card-data.ts', 'src/protocols/native.ts', 'src/index.ts'],
        'demo/start-demo.ts': ['sandbox-bank/cards.ts'],
        'src/http/problem.ts': ['src/core/errors.ts'],
      });
      expect(violations(graph)).to.deep.equal([
        'src/core/money.ts -> src/http/problem.ts',
        'src/store/redis-store.ts -> sandbox-bank/app.ts',
        'sandbox-bank/cards.ts -> src/core/card-data.ts',
        'demo/start-demo.ts -> sandbox-bank/cards.ts',
      ]);
    });

    it('find a cycle, and a file that imports itself', () => {
      const graph = fake({ 'src/a.ts': ['src/b.ts'], 'src/b.ts': ['src/c.ts'], 'src/c.ts': ['src/a.ts'], 'src/d.ts': ['src/d.ts'], 'src/e.ts': ['src/a.ts'] });
      expect(importCycles(graph)).to.deep.equal([['src/a.ts', 'src/b.ts', 'src/c.ts'], ['src/d.ts']]);
    });

    it('read type-only, re-export and dynamic imports, and not imports inside comments', () => {
      const read = readImportGraph(ROOT, ['test/architecture/fixtures']);
      expect(read.imports.get('test/architecture/fixtures/sample.ts')).to.deep.equal([
        'src/core/payment.ts',
        'src/core/money.ts',
        'src/index.ts',
        'test/architecture/fixtures/side-effect.ts',
        'src/protocols/native.ts',
      ]);
    });
  });
});
