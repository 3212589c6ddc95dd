import type { BankConnector } from '../connectors/bank-connector.js';
import type { BankOperations, OperationAnswer } from '../connectors/bank-operations.js';
import type { BankOperationName, BankOperationResult } from './labels.js';

type Record = (connector: string, operation: BankOperationName, result: BankOperationResult) => void;

async function timed<T>(call: () => Promise<T>, result: (value: T) => BankOperationResult, record: (result: BankOperationResult) => void): Promise<T> {
  let value: T;
  try {
    value = await call();
  } catch (err) {
    record('error');
    throw err;
  }
  record(result(value));
  return value;
}

const answered = (answer: OperationAnswer): BankOperationResult => answer.outcome;

/**
 * The connector, with each operation after the payment (capture, void, refund, refund status,
 * status query) counted in `hpp_bank_operations_total` by its answer. This is the one place bank
 * operations are metered: whoever calls `connector.operations` through the gateway's registry is
 * counted without doing anything. A connector without operations is handed back as it is.
 */
export function meteredConnector(connector: BankConnector, record: Record): BankConnector {
  const operations = connector.operations;
  if (!operations) return connector;
  const count = (operation: BankOperationName) => (result: BankOperationResult) => record(connector.name, operation, result);
  const metered: BankOperations = { capabilities: operations.capabilities };
  const { capture, void: voidAuthorization, refund, refundStatus, status } = operations;
  if (capture) metered.capture = (target, amount) => timed(() => capture.call(operations, target, amount), answered, count('capture'));
  if (voidAuthorization) metered.void = (target) => timed(() => voidAuthorization.call(operations, target), answered, count('void'));
  if (refund) metered.refund = (target, amount, reason) => timed(() => refund.call(operations, target, amount, reason), answered, count('refund'));
  if (refundStatus) metered.refundStatus = (target) => timed(() => refundStatus.call(operations, target), answered, count('refund_status'));
  if (status) metered.status = (target) => timed(() => status.call(operations, target), (outcome) => (outcome ? 'answered' : 'not_found'), count('status'));
  return new Proxy(connector, {
    get(target, property) {
      if (property === 'operations') return metered;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
