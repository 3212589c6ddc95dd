import { InvalidBankMessageError } from '../../src/core/errors.js';

/** The reason a connector refuses a message with, or `accepted` when it verifies. */
export async function refusalReason(verifying: Promise<unknown>): Promise<string> {
  try {
    await verifying;
  } catch (err) {
    if (err instanceof InvalidBankMessageError) return err.reason;
    throw err;
  }
  return 'accepted';
}
