import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { loadLuaScripts, LUA_ROOT, luaScript } from '../../src/store/lua-scripts.js';
import { REPO_ROOT } from '../support/processes.js';
import { requireRedis } from '../support/redis-server.js';

const HEADER = '-- What it does.\n--\n-- KEYS: 1 k\n-- ARGV: 1 a\n-- Returns: 1\n\n';

/** A throw-away script folder: `files` maps a path under it (`x.lua`, `include/y.lua`) to its text. */
function scriptFolder(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'hpp-lua-'));
  mkdirSync(path.join(root, 'include'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  folders.push(root);
  return root;
}
const folders: string[] = [];

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('Lua script loader', () => {
  after(() => {
    for (const root of folders) rmSync(root, { recursive: true, force: true });
  });

  it('expands each include in place of its line, nested ones too, and each piece once per script', () => {
    const root = scriptFolder({
      'include/order.lua': '-- order\nlocal function order() end\n',
      'include/walk.lua': '-- walk\n-- @include order.lua\nlocal function walk() end\n',
      'list.lua': `${HEADER}-- @include walk.lua\n-- @include order.lua\nreturn walk()\n`,
      'plain.lua': `${HEADER}return 1\n`,
    });
    const scripts = loadLuaScripts(root);
    expect([...scripts.keys()]).to.deep.equal(['list', 'plain']);
    const list = scripts.get('list') ?? '';
    expect(list).to.not.match(/^--\s*@include/m);
    expect(occurrences(list, 'local function order()')).to.equal(1);
    expect(occurrences(list, 'local function walk()')).to.equal(1);
    expect(list.indexOf('local function order()')).to.be.lessThan(list.indexOf('local function walk()'));
    expect(list.indexOf('local function walk()')).to.be.lessThan(list.indexOf('return walk()'));
    expect(list.startsWith(HEADER)).to.equal(true);
    expect(scripts.get('plain')).to.equal(`${HEADER}return 1\n`);
  });

  it('fails at load on an unknown include, naming the file and line', () => {
    const root = scriptFolder({ 'list.lua': `${HEADER}-- @include pagin.lua\nreturn 1\n` });
    expect(() => loadLuaScripts(root)).to.throw('list.lua line 7: unknown include "pagin.lua"');
  });

  it('fails at load on an unknown include inside a piece, and on a circular include', () => {
    const unknown = scriptFolder({ 'include/a.lua': '-- a\n-- @include nowhere.lua\n', 's.lua': `${HEADER}-- @include a.lua\n` });
    expect(() => loadLuaScripts(unknown)).to.throw('include/a.lua line 2: unknown include "nowhere.lua"');
    const circular = scriptFolder({
      'include/a.lua': '-- a\n-- @include b.lua\n',
      'include/b.lua': '-- b\n-- @include a.lua\n',
      's.lua': `${HEADER}-- @include a.lua\n`,
    });
    expect(() => loadLuaScripts(circular)).to.throw('circular include a.lua → b.lua → a.lua');
  });

  it('fails at load on a directive it cannot read (a path, a misspelling)', () => {
    expect(() => loadLuaScripts(scriptFolder({ 's.lua': `${HEADER}-- @include ../secret.lua\n` }))).to.throw('s.lua line 7: unreadable directive');
    expect(() => loadLuaScripts(scriptFolder({ 's.lua': `${HEADER}-- @inclde a.lua\n` }))).to.throw('s.lua line 7: unreadable directive');
  });

  it('fails at load on a script whose header lacks KEYS, ARGV or Returns, or a piece without its comment', () => {
    const noHeader = scriptFolder({ 's.lua': "return redis.call('GET', KEYS[1])\n" });
    expect(() => loadLuaScripts(noHeader)).to.throw('s.lua: the header comment lacks KEYS:, ARGV:, Returns:');
    // Fields after the header's first blank line are code comments, not the header.
    const late = scriptFolder({ 's.lua': '-- What it does.\n-- KEYS: 1 k\n\n-- ARGV: 1 a\n-- Returns: 1\nreturn 1\n' });
    expect(() => loadLuaScripts(late)).to.throw('s.lua: the header comment lacks ARGV:, Returns:');
    const bare = scriptFolder({ 'include/a.lua': 'local function a() end\n', 's.lua': `${HEADER}-- @include a.lua\n` });
    expect(() => loadLuaScripts(bare)).to.throw('include/a.lua: a shared piece starts with a comment');
  });

  describe('the scripts of lua/', () => {
    const scriptFiles = readdirSync(LUA_ROOT).filter((name) => name.endsWith('.lua'));
    const pieceFiles = readdirSync(path.join(LUA_ROOT, 'include')).filter((name) => name.endsWith('.lua'));
    const storeSources = ['redis-store.ts', 'redis-outbox.ts', 'redis-rate-limit-store.ts', 'redis-console-user-store.ts', 'redis-audit-store.ts'].map((file) => readFileSync(path.join(REPO_ROOT, 'src', 'store', file), 'utf8')).join('\n');

    it('lives at the package root, beside views/', () => {
      expect(LUA_ROOT).to.equal(path.join(REPO_ROOT, 'lua'));
    });

    it('each opens with a header listing its KEYS, ARGV and what it returns', () => {
      expect(scriptFiles).to.have.length.greaterThan(10);
      for (const name of scriptFiles) {
        const header = readFileSync(path.join(LUA_ROOT, name), 'utf8').split(/\n\s*\n/)[0] ?? '';
        for (const field of ['KEYS:', 'ARGV:', 'Returns:']) expect(header, `${name} header`).to.include(`\n-- ${field}`);
      }
    });

    it('each is registered by a store, and each shared piece is included by a script', () => {
      for (const name of scriptFiles) expect(storeSources, name).to.include(`luaScript('${name.slice(0, -'.lua'.length)}')`);
      const scripts = scriptFiles.map((name) => readFileSync(path.join(LUA_ROOT, name), 'utf8'));
      const pieces = pieceFiles.map((name) => readFileSync(path.join(LUA_ROOT, 'include', name), 'utf8'));
      for (const name of pieceFiles) {
        expect([...scripts, ...pieces].some((text) => text.includes(`-- @include ${name}\n`)), name).to.equal(true);
      }
    });

    it('has one paging loop, in paging.lua, used by the payment and the event listings', () => {
      const walk = 'ZREVRANGEBYSCORE';
      for (const name of scriptFiles) expect(readFileSync(path.join(LUA_ROOT, name), 'utf8'), name).to.not.include(walk);
      expect(readFileSync(path.join(LUA_ROOT, 'include', 'paging.lua'), 'utf8')).to.include(walk);
      for (const name of ['list-payments', 'list-events']) {
        expect(occurrences(luaScript(name), 'local function list_newest_first('), name).to.equal(1);
        expect(occurrences(luaScript(name), 'local function byte_less('), name).to.equal(1);
      }
    });

    it('each compiles on Redis', async function () {
      const redis = new Redis(await requireRedis(this));
      try {
        for (const name of scriptFiles) {
          const sha = await redis.script('LOAD', luaScript(name.slice(0, -'.lua'.length)));
          expect(sha, name).to.match(/^[0-9a-f]{40}$/);
        }
      } finally {
        await redis.quit();
      }
    });
  });
});
