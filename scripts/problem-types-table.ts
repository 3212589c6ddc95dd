/**
 * The README's table of problem types, made from docs/openapi.yaml: each type's example there (its
 * URI, title, status and when it happens) is the one source, so the README cannot drift from it.
 */

export const TABLE_START = '<!-- problem-types: generated from docs/openapi.yaml by `npm run docs:errors` -->';
export const TABLE_END = '<!-- /problem-types -->';

interface ProblemExample {
  description?: string;
  value: { type: string; title: string; status: number };
}

/** The problem types in the order of the document's ProblemType enum, each with its example. */
export function problemTypes(document: Record<string, any>): Array<{ code: string; uri: string; status: number; title: string; when: string }> {
  const uris: string[] = document.components.schemas.ProblemType.enum;
  const examples = Object.values<ProblemExample>(document.components.examples);
  return uris.map((uri) => {
    const example = examples.find((e) => e.value?.type === uri);
    if (!example) throw new Error(`docs/openapi.yaml has no example of the problem type ${uri}`);
    return { code: uri.slice(uri.lastIndexOf('/') + 1), uri, status: example.value.status, title: example.value.title, when: example.description ?? '' };
  });
}

/** The Markdown table, between its markers. */
export function problemTypesTable(document: Record<string, any>): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
  const rows = problemTypes(document).map((p) => `| \`${p.code}\` | ${p.status} | ${cell(p.title)} | ${cell(p.when)} |`);
  return [TABLE_START, '', '| type (after `https://hpp-gateway.dev/problems/`) | status | title | when |', '| --- | --- | --- | --- |', ...rows, '', TABLE_END].join('\n');
}

/** The README with its table replaced by `table`; the markers must be there once. */
export function withProblemTypesTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start || readme.indexOf(TABLE_START, start + 1) >= 0) throw new Error('README.md must hold the problem-types markers once');
  return readme.slice(0, start) + table + readme.slice(end + TABLE_END.length);
}
