import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The Redis store's Lua scripts: lua/ at the package root, from src/store or dist/store alike. */
export const LUA_ROOT = path.resolve(here, '..', '..', 'lua');

/** Where the shared pieces live, under the root; a script names one with a `-- @include name.lua` line. */
const INCLUDE_DIR = 'include';
const DIRECTIVE = /^--\s*@/;
const INCLUDE = /^--\s*@include\s+([a-z0-9-]+\.lua)\s*$/;
const SCRIPT_HEADER = ['KEYS:', 'ARGV:', 'Returns:'];

/**
 * Reads every script of a folder (`*.lua`, one per atomic operation) and expands its includes, each
 * in place of its `-- @include` line and at most once per script (a piece included twice, directly
 * or through another piece, is defined by its first inclusion). Keyed by file name without `.lua`.
 *
 * Throws, naming the file and line, on anything that would otherwise surface as a wrong script on a
 * request path: an unknown or circular include, an unreadable directive, a script without its header
 * comment listing KEYS, ARGV and what it returns, or a shared piece without a comment saying what it
 * defines.
 */
export function loadLuaScripts(root: string): ReadonlyMap<string, string> {
  const includeDir = path.join(root, INCLUDE_DIR);
  const pieces = new Map(luaFiles(includeDir).map((name) => [name, readFileSync(path.join(includeDir, name), 'utf8')]));
  for (const [name, source] of pieces) {
    if (!source.startsWith('--')) throw new Error(`${INCLUDE_DIR}/${name}: a shared piece starts with a comment saying what it defines`);
  }

  const scripts = new Map<string, string>();
  for (const name of luaFiles(root)) {
    const source = readFileSync(path.join(root, name), 'utf8');
    const header = leadingComment(source);
    const missing = SCRIPT_HEADER.filter((field) => !header.some((line) => line.startsWith(`-- ${field}`)));
    if (missing.length > 0) throw new Error(`${name}: the header comment lacks ${missing.join(', ')}`);
    scripts.set(name.slice(0, -'.lua'.length), expand(name, source, pieces, new Set(), []));
  }
  return scripts;
}

function expand(file: string, source: string, pieces: ReadonlyMap<string, string>, included: Set<string>, chain: string[]): string {
  return source
    .split('\n')
    .map((line, index) => {
      if (!DIRECTIVE.test(line)) return line;
      const where = `${file} line ${index + 1}`;
      const name = INCLUDE.exec(line)?.[1];
      if (name === undefined) throw new Error(`${where}: unreadable directive "${line.trim()}" (expected -- @include name.lua)`);
      const piece = pieces.get(name);
      if (piece === undefined) throw new Error(`${where}: unknown include "${name}" (not in ${INCLUDE_DIR}/)`);
      if (chain.includes(name)) throw new Error(`${where}: circular include ${[...chain, name].join(' → ')}`);
      if (included.has(name)) return `-- (${name} is already included above)`;
      included.add(name);
      return expand(`${INCLUDE_DIR}/${name}`, piece, pieces, included, [...chain, name]).replace(/\n+$/, '');
    })
    .join('\n');
}

/** The comment lines a file opens with, up to its first line of code or blank line. */
function leadingComment(source: string): string[] {
  const lines = source.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('--'));
  return end === -1 ? lines : lines.slice(0, end);
}

function luaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.lua'))
    .map((entry) => entry.name)
    .sort();
}

// Read once, when the store module loads: no request ever waits on the disk, and a broken script
// folder stops the process at start.
const scripts = loadLuaScripts(LUA_ROOT);

/** The expanded source of one script of lua/, by file name without `.lua` (`commit-payment`). */
export function luaScript(name: string): string {
  const source = scripts.get(name);
  if (source === undefined) throw new Error(`no Lua script ${name}.lua in ${LUA_ROOT}`);
  return source;
}
