import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's own import graph, read from the TypeScript sources as text: every `import … from`,
 * `export … from`, `import '…'` and `import('…')` with a literal relative specifier (type-only imports
 * included: a type cycle is still a cycle for the reader). Package imports are not followed.
 */
export interface ImportGraph {
  /** Repository-relative paths of every file read. */
  files: string[];
  /** file → the files it imports (repository-relative, `.ts`). */
  imports: Map<string, string[]>;
}

const IMPORT = /(?:^|[;\s])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function sources(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = path.posix.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) return sources(root, rel);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Comments out, so an import named in a comment is not an arrow. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function readImportGraph(root: string, dirs: readonly string[]): ImportGraph {
  const files = dirs.flatMap((dir) => sources(root, dir));
  const imports = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const match of code(readFileSync(path.join(root, file), 'utf8')).matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith('.')) continue;
      targets.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts'));
    }
    imports.set(file, targets);
  }
  return { files, imports };
}

/** Every import cycle (strongly connected component of more than one file, or a file importing itself), by Tarjan's algorithm. */
export function importCycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const lowLinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    indices.set(file, index);
    lowLinks.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.imports.get(file) ?? []) {
      if (!graph.imports.has(target)) continue;
      if (!indices.has(target)) {
        visit(target);
        lowLinks.set(file, Math.min(lowLinks.get(file)!, lowLinks.get(target)!));
      } else if (onStack.has(target)) {
        lowLinks.set(file, Math.min(lowLinks.get(file)!, indices.get(target)!));
      }
    }
    if (lowLinks.get(file) === indices.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.imports.get(file) ?? []).includes(file)) cycles.push(component.sort());
    }
  };
  for (const file of graph.files) if (!indices.has(file)) visit(file);
  return cycles;
}
