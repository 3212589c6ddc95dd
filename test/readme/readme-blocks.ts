import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What the README says of a shell block, in the comment above its fence. */
export type BlockMark = { kind: 'run' } | { kind: 'skip'; reason: string } | { kind: 'unmarked' };

export interface ShellBlock {
  /** The line of the opening fence (1-based), to name the block in a failure. */
  line: number;
  code: string;
  mark: BlockMark;
}

const MARK = /^<!--\s*readme-test:\s*(run|skip)\s*(?:\((.+)\))?\s*-->$/;

/** Every fenced `sh` block of a Markdown file, with the `<!-- readme-test: … -->` mark just above it. */
export function shellBlocks(file: string): ShellBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${path.basename(file)}:${i + 1}: a code block that never closes`);
    const above = MARK.exec(lines[i - 1]?.trim() ?? '');
    const mark: BlockMark = !above ? { kind: 'unmarked' } : above[1] === 'run' ? { kind: 'run' } : { kind: 'skip', reason: above[2] ?? '' };
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), mark });
    i = end;
  }
  return blocks;
}
