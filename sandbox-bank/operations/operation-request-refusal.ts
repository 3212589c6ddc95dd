import { httpStatusOfOperationRequestRefusal, type OperationRequestRefusalCode } from '../../src/protocols/native-operations.js';

/**
 * The bank did not accept an operation request at all (docs/protocol.md, section 11.4): answered as
 * unsigned JSON, nothing done. A refusal of the operation itself is an answer, not this.
 */
export class OperationRequestRefusal extends Error {
  readonly code: OperationRequestRefusalCode;
  readonly status: number;
  /** Which claim was wrong, e.g. `op.amount`: a field name, never a value from the token. */
  readonly field: string | undefined;

  constructor(code: OperationRequestRefusalCode, field?: string) {
    super(field ? `operation request refused: ${code} (${field})` : `operation request refused: ${code}`);
    this.name = 'OperationRequestRefusal';
    this.code = code;
    this.status = httpStatusOfOperationRequestRefusal(code);
    this.field = field;
  }
}
