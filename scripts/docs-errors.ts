import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { problemTypesTable, withProblemTypesTable } from './problem-types-table.js';

/** `npm run docs:errors`: rewrites the README's table of problem types from docs/openapi.yaml. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const document = parse(readFileSync(path.join(root, 'docs', 'openapi.yaml'), 'utf8'));
const readmeFile = path.join(root, 'README.md');
const before = readFileSync(readmeFile, 'utf8');
const after = withProblemTypesTable(before, problemTypesTable(document));
if (after !== before) writeFileSync(readmeFile, after);
process.stdout.write(after === before ? 'README.md: the problem types were up to date\n' : 'README.md: problem types rewritten from docs/openapi.yaml\n');
