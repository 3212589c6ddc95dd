import { encodeData, formatData, isSipsEncoding } from '../../src/protocols/sips/data.js';
import { SIPS_FORM } from '../../src/protocols/sips/protocol.js';
import { computeSeal, HMAC_SHA_256, LEGACY_SHA_256, type SipsSealAlgorithm } from '../../src/protocols/sips/seal.js';
import { findCurrency, assertNever } from '../../src/index.js';
import type { BankContext, DecidedBankTransaction } from './sandbox-protocol.js';
import type { CardBrand } from '../cards.js';
import { sipsAuthenticationFields } from './sips-authentication.js';

/** What the bank remembers of a Sips request to answer in kind (kept as the transaction's protocolData). */
export interface SipsRequestMemory {
  merchantId: string;
  keyVersion: string;
  sealAlgorithm: SipsSealAlgorithm;
  interfaceVersion: string;
  encode?: string;
  orderId?: string;
  customerLanguage?: string;
  captureMode?: string;
  captureDay?: string;
}

export function rememberSipsRequest(memory: SipsRequestMemory): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(memory)) if (typeof value === 'string') out[name] = value;
  return out;
}

function recall(data: Readonly<Record<string, string>>): SipsRequestMemory {
  const { merchantId, keyVersion, sealAlgorithm, interfaceVersion, encode, orderId, customerLanguage, captureMode, captureDay } = data;
  if (!merchantId || !keyVersion || !interfaceVersion || (sealAlgorithm !== HMAC_SHA_256 && sealAlgorithm !== LEGACY_SHA_256)) {
    throw new Error('not a Sips transaction');
  }
  return {
    merchantId,
    keyVersion,
    sealAlgorithm,
    interfaceVersion,
    ...(encode !== undefined ? { encode } : {}),
    ...(orderId !== undefined ? { orderId } : {}),
    ...(customerLanguage !== undefined ? { customerLanguage } : {}),
    ...(captureMode !== undefined ? { captureMode } : {}),
    ...(captureDay !== undefined ? { captureDay } : {}),
  };
}

/** What the bank keeps of a Sips transaction's request, for its back office (key version, merchant id). */
export function recallSipsRequest(data: Readonly<Record<string, string>>): SipsRequestMemory {
  return recall(data);
}

const BRANDS: Record<CardBrand, { name: string; length: number }> = {
  visa: { name: 'VISA', length: 16 },
  mastercard: { name: 'MASTERCARD', length: 16 },
  amex: { name: 'AMEX', length: 15 },
  diners: { name: 'DINERS', length: 14 },
};

/** Sips `responseCode` and `acquirerResponseCode` for the sandbox's verdicts. */
function responseCodes(transaction: DecidedBankTransaction): { responseCode: string; acquirerResponseCode?: string } {
  switch (transaction.status) {
    case 'authorised':
      return { responseCode: '00', acquirerResponseCode: '00' };
    case 'refused':
      // A failed 3-D Secure authentication is refused before any authorisation request: no acquirer code.
      if (transaction.authentication && transaction.authentication.transStatus === 'N') return { responseCode: '05' };
      return { responseCode: '05', acquirerResponseCode: transaction.reason === 'insufficient_funds' ? '51' : '05' };
    case 'cancelled':
      return { responseCode: '17' };
    case 'error':
      return { responseCode: '99' };
    default:
      return assertNever(transaction.status);
  }
}

/**
 * The response fields (`Data`, `Seal`, `InterfaceVersion`, `Encode`) for a decided transaction, sealed
 * with the key version and algorithm of its request. The sandbox keeps only brand and last four digits,
 * so `maskedPan` shows only those.
 */
export function sealedSipsResponse(ctx: BankContext, transaction: DecidedBankTransaction): Record<string, string> {
  const memory = recall(transaction.protocolData);
  const key = ctx.merchants.get(transaction.merchantId)?.registration.sips?.keys[memory.keyVersion];
  if (key === undefined) throw new Error(`merchant ${transaction.merchantId} no longer has Sips key version ${memory.keyVersion}`);
  const currency = findCurrency(transaction.currency);
  if (!currency) throw new Error(`no numeric code for ${transaction.currency}`);
  const codes = responseCodes(transaction);
  const card = transaction.card ? BRANDS[transaction.card.brand] : undefined;

  const fields: Array<[string, string]> = [
    ['amount', String(transaction.amount)],
    ['currencyCode', currency.numeric],
    ['merchantId', memory.merchantId],
    ['transactionReference', transaction.ref],
    ['keyVersion', memory.keyVersion],
    ['responseCode', codes.responseCode],
    ...(codes.acquirerResponseCode ? [['acquirerResponseCode', codes.acquirerResponseCode] as [string, string]] : []),
    ...(transaction.authCode ? [['authorisationId', transaction.authCode] as [string, string]] : []),
    ...(transaction.card && card
      ? [
          ['maskedPan', `${'#'.repeat(card.length - 4)}${transaction.card.last4}`] as [string, string],
          ['paymentMeanBrand', card.name] as [string, string],
          ['paymentMeanType', 'CARD'] as [string, string],
        ]
      : []),
    ...sipsAuthenticationFields(transaction.authentication),
    ['transactionDateTime', transaction.decidedAt ?? transaction.createdAt],
    ['orderChannel', 'INTERNET'],
    ...(memory.orderId ? [['orderId', memory.orderId] as [string, string]] : []),
    ...(memory.customerLanguage ? [['customerLanguage', memory.customerLanguage] as [string, string]] : []),
    // Echoed as asked, so the merchant reads how the authorisation was taken.
    ...(memory.captureMode ? [['captureMode', memory.captureMode] as [string, string]] : []),
    ...(memory.captureDay ? [['captureDay', memory.captureDay] as [string, string]] : []),
  ];
  const encoding = memory.encode && isSipsEncoding(memory.encode) ? memory.encode : undefined;
  const data = encodeData(formatData(fields), encoding);
  return {
    [SIPS_FORM.data]: data,
    [SIPS_FORM.seal]: computeSeal(data, key, memory.sealAlgorithm),
    [SIPS_FORM.interfaceVersion]: memory.interfaceVersion,
    ...(encoding ? { [SIPS_FORM.encode]: encoding } : {}),
  };
}
