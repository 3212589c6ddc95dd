import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'chai';
import { parse } from 'yaml';
import { OPENAPI_DOCUMENT_FILE } from '../../src/http/openapi-document.js';

/** The OpenAPI document as parsed from docs/openapi.yaml. */
export type OpenApiDocument = Record<string, any>;

export function readDocument(file = OPENAPI_DOCUMENT_FILE): OpenApiDocument {
  return parse(readFileSync(file, 'utf8')) as OpenApiDocument;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const DOCUMENT_ID = 'https://hpp-gateway.dev/openapi.json';

/** A JSON pointer segment (RFC 6901). */
const segment = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');

/** What a response must be, as the document says: its object and the JSON pointer it was found at (for its schemas' refs). */
interface Found {
  object: Record<string, any>;
  pointer: string;
}

/** One exercised or documented answer: `POST /payments 201`. */
export type AnswerKey = string;

export interface ObservedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

/**
 * Checks real answers of the API against the document (status, headers, body) and records which
 * documented answers were seen, so a test can demand that every one was.
 */
export class ContractChecker {
  readonly exercised = new Set<AnswerKey>();
  private readonly ajv: Ajv2020;
  private readonly templates: Array<{ template: string; pattern: RegExp }>;
  /** Every header name some response of the document declares, in lower case. */
  private readonly documentedHeaders: Set<string>;

  constructor(private readonly document: OpenApiDocument, private readonly basePath = '/api/v1') {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
    this.ajv.addSchema(document, DOCUMENT_ID);
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
    }));
    this.documentedHeaders = new Set();
    for (const { response } of this.documentedAnswers()) {
      for (const name of Object.keys(response.object.headers ?? {})) this.documentedHeaders.add(name.toLowerCase());
    }
  }

  /** Follows a `$ref` inside the document. */
  private resolve(found: Found): Found {
    let { object, pointer } = found;
    while (typeof object.$ref === 'string') {
      const ref = object.$ref as string;
      if (!ref.startsWith('#/')) throw new Error(`only local refs are expected, not ${ref}`);
      pointer = ref.slice(1);
      object = ref
        .slice(2)
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((node: any, key) => node?.[key], this.document);
      if (!object) throw new Error(`unresolved ref ${ref}`);
    }
    return { object, pointer };
  }

  /** Every documented answer: each operation's each status. */
  documentedAnswers(): Array<{ key: AnswerKey; response: Found }> {
    const answers: Array<{ key: AnswerKey; response: Found }> = [];
    for (const [template, item] of Object.entries<Record<string, any>>(this.document.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        for (const [status, response] of Object.entries<Record<string, any>>(operation.responses)) {
          const pointer = `/paths/${segment(template)}/${method}/responses/${status}`;
          answers.push({ key: `${method.toUpperCase()} ${template} ${status}`, response: this.resolve({ object: response, pointer }) });
        }
      }
    }
    return answers;
  }

  /** The document's path template of a request path of the API (`/api/v1/payments/pay_…` → `/payments/{paymentId}`). */
  templateOf(url: string): string {
    const pathname = new URL(url, 'http://gateway.test').pathname;
    expect(pathname.startsWith(`${this.basePath}/`), `${pathname} is under ${this.basePath}`).to.equal(true);
    const local = pathname.slice(this.basePath.length);
    const matches = this.templates.filter((t) => t.pattern.test(local));
    expect(matches.map((m) => m.template), `the document has one path for ${local}`).to.have.length(1);
    return matches[0]!.template;
  }

  /** Validates a value against the schema at `pointer` in the document. */
  validate(pointer: string, value: unknown, what: string): void {
    const validate = this.ajv.getSchema(`${DOCUMENT_ID}#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    const ok = validate(value);
    expect(ok, `${what} does not match ${pointer}: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 2000)}`).to.equal(true);
  }

  /** Checks one answer of the real API against the document, and records it as exercised. */
  check(method: string, url: string, res: ObservedResponse): void {
    const template = this.templateOf(url);
    const operation = this.document.paths[template]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).to.be.an('object');
    const key = `${method.toUpperCase()} ${template} ${res.status}`;
    const described = operation.responses[String(res.status)];
    expect(described, `${key} is documented (body: ${res.text.slice(0, 500)})`).to.not.equal(undefined);
    const response = this.resolve({ object: described, pointer: `/paths/${segment(template)}/${method.toLowerCase()}/responses/${res.status}` });

    const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    const media = response.object.content?.[contentType];
    expect(media, `${key} is documented as ${contentType}`).to.be.an('object');
    this.validate(`${response.pointer}/content/${segment(contentType)}/schema`, res.body, `the body of ${key}`);

    const declared = new Map(Object.keys(response.object.headers ?? {}).map((name) => [name.toLowerCase(), name]));
    for (const [lower, name] of declared) {
      const header = this.resolve({ object: response.object.headers[name], pointer: `${response.pointer}/headers/${segment(name)}` });
      const value = res.headers[lower];
      if (header.object.required) expect(value, `${key} has the header ${name}`).to.not.equal(undefined);
      if (value !== undefined) this.validate(`${header.pointer}/schema`, Array.isArray(value) ? value.join(', ') : value, `the header ${name} of ${key}`);
    }
    // A header the document names somewhere must be declared on each answer that sends it.
    for (const lower of Object.keys(res.headers)) {
      if (this.documentedHeaders.has(lower)) expect(declared.has(lower), `${key} sends ${lower}, which its description does not declare`).to.equal(true);
    }
    this.exercised.add(key);
  }
}
