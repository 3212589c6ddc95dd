import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { ERRORS, type ErrorCode } from '../../src/core/errors.js';
import { PROBLEM_BASE } from '../../src/http/problem.js';
import { problemTypes, problemTypesTable, TABLE_END, TABLE_START } from '../../scripts/problem-types-table.js';
import { ContractChecker, readDocument } from './contract.js';

const copy = <T>(value: T): T => structuredClone(value);

async function validation(document: Record<string, unknown>): Promise<{ valid: boolean; errors?: unknown }> {
  return new Validator().validate(document as Parameters<Validator['validate']>[0]);
}

describe('OpenAPI: docs/openapi.yaml', () => {
  const document = readDocument();

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).to.equal('3.1.0');
    const result = await validation(document);
    expect(result.valid, JSON.stringify(result.errors, null, 1)).to.equal(true);
  });

  it('a broken copy is refused by the same validator', async () => {
    const noTitle = copy(document);
    delete noTitle.info.title;
    const badParameter = copy(document);
    badParameter.paths['/payments'].get.parameters[0].in = 'body';
    const noDescription = copy(document);
    delete noDescription.components.responses.NotFound.description;
    const danglingRef = copy(document);
    danglingRef.paths['/refunds/{refundId}'].get.responses['404'] = { $ref: '#/components/responses/Gone' };
    const unknownMember = copy(document);
    unknownMember.paths['/events'].get.summaries = 'not an OpenAPI member';
    for (const [name, broken] of Object.entries({ noTitle, badParameter, noDescription, danglingRef, unknownMember })) {
      expect((await validation(broken)).valid, name).to.equal(false);
    }
  });

  it('names every problem type of src/core/errors.ts, with its title and status, and no other', () => {
    const types = problemTypes(document);
    expect(types.map((t) => t.code)).to.deep.equal(Object.keys(ERRORS));
    for (const { code, uri, status, title, when } of types) {
      const entry = ERRORS[code as ErrorCode];
      expect(uri).to.equal(`${PROBLEM_BASE}${code}`);
      expect({ status, title }, code).to.deep.equal({ status: entry.status, title: entry.title });
      expect(when, `${code} says when it happens`).to.not.equal('');
      const retry = (entry as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retry !== undefined) expect(when, code).to.contain(`Retry-After ${retry}`);
    }
    const exampled = Object.values<{ value?: { type?: string } }>(document.components.examples)
      .map((e) => e.value?.type)
      .filter((type): type is string => typeof type === 'string' && type.startsWith(PROBLEM_BASE));
    expect([...exampled].sort()).to.deep.equal(Object.keys(ERRORS).map((code) => `${PROBLEM_BASE}${code}`).sort());
  });

  it('gives each problem answer only examples of its own status, each valid against the Problem schema', () => {
    const checker = new ContractChecker(document);
    let seen = 0;
    for (const { key, response } of checker.documentedAnswers()) {
      const media = response.object.content?.['application/problem+json'];
      if (!media) continue;
      const status = Number(key.split(' ').pop());
      for (const example of Object.values<{ $ref: string }>(media.examples ?? {})) {
        const value = document.components.examples[example.$ref.split('/').pop()!].value;
        expect(value.status, `${key}: ${example.$ref}`).to.equal(status);
        checker.validate('/components/schemas/Problem', value, example.$ref);
        seen += 1;
      }
    }
    expect(seen).to.be.greaterThan(50);
  });

  it('is what the README\'s table of problem types says (npm run docs:errors rewrites it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start, 'the table markers are in README.md').to.be.greaterThan(-1);
    expect(readme.slice(start, end + TABLE_END.length)).to.equal(problemTypesTable(document));
    expect(readme).to.contain('[docs/openapi.yaml](docs/openapi.yaml)');
  });
});
