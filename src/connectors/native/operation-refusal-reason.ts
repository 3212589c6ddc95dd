import { assertNever } from '../../core/assert-never.js';
import type { OperationErrorCode } from '../../protocols/native-operations.js';

/**
 * The refusal reason an operation answer carries for a signed refusal of the bank (docs/protocol.md,
 * section 11.7), in the gateway's words where it has its own (the problem types of the API), the
 * protocol's code otherwise. `null`: the code does not settle the operation, which stays unknown
 * (`unknown_operation` is no proof the operation will not happen; `duplicate_op_id_mismatch` says
 * nothing about what the earlier request under that op_id did).
 */
export function refusalReasonOf(code: OperationErrorCode): string | null {
  switch (code) {
    case 'amount_exceeds_capturable':
      return 'amount_not_capturable';
    case 'amount_exceeds_refundable':
      return 'amount_not_refundable';
    case 'currency_mismatch':
    case 'capture_window_closed':
    case 'operation_not_supported':
    case 'invalid_state':
    case 'operation_declined':
    case 'unknown_transaction':
      return code;
    case 'unknown_operation':
    case 'duplicate_op_id_mismatch':
      return null;
    default:
      return assertNever(code);
  }
}
