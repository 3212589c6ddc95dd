import type { Request, Response } from 'express';
import { type Locale, findCurrency, formatAmount } from '../src/index.js';
import type { BankContext, DecidedBankTransaction } from './protocols/sandbox-protocol.js';
import { CARD_BRANDS, TEST_CARDS, type CardBrand } from './cards.js';
import type { CardField } from './card-entry.js';
import type { PaymentRequestRefusal } from './request-refusal.js';
import { cspNonce } from './security-headers.js';
import { textsFor, type BankTexts, type CardEntryProblem, type ChallengeProblem } from './texts.js';
import { TEST_OPERATION_AMOUNTS } from './operations/test-behaviour.js';
import type { BankTransaction, PendingChallenge } from './transaction-book.js';
import { amountCaptured, amountRefunded, amountRefundPending, captureStatusOf } from './transaction-money.js';

/** The HTML pages of the bank: one function per page, so view names and page data live in one place. */

/** For pages shown before a transaction (and its locale) is known. */
export function browserLocale(req: Request): Locale {
  return req.acceptsLanguages('en', 'fr') === 'fr' ? 'fr' : 'en';
}

function render(ctx: BankContext, res: Response, status: number, view: string, texts: BankTexts, data: object): void {
  res
    .status(status)
    .type('html')
    .send(ctx.views.render(view, { t: texts, nonce: cspNonce(res), publicUrl: ctx.publicUrl, ...data }));
}

function moneyText(amount: number, currencyCode: string, locale: Locale): string {
  const currency = findCurrency(currencyCode);
  return currency ? formatAmount(amount, currency, locale) : `${amount} ${currencyCode}`;
}

function amountText(transaction: BankTransaction): string {
  return moneyText(transaction.amount, transaction.currency, transaction.locale);
}

function summary(transaction: BankTransaction) {
  return { merchant: transaction.merchantName, amount: amountText(transaction), description: transaction.description };
}

/** The developer-facing description of the sandbox; English only. */
export function renderHome(ctx: BankContext, res: Response): void {
  render(ctx, res, 200, 'home.njk', textsFor('en'), { bankId: ctx.bankId, testCards: TEST_CARDS, testOperationAmounts: TEST_OPERATION_AMOUNTS });
}

/**
 * The bank's side of every transaction, newest first, with its captures and refunds: what a person
 * trying the demo compares with the gateway's view. English only, like the home page; every value
 * from a merchant (references, refund reasons) is autoescaped by the template.
 */
export function renderBackOffice(ctx: BankContext, res: Response): void {
  const now = ctx.now();
  ctx.operations.settleDueRefunds(now);
  const money = (t: BankTransaction, amount: number) => moneyText(amount, t.currency, 'en');
  const transactions = [...ctx.book.all()].reverse().map((t) => ({
    bankTxnId: t.bankTxnId,
    protocol: t.protocol,
    merchantId: t.merchantId,
    ref: t.ref,
    createdAt: t.createdAt,
    amount: money(t, t.amount),
    status: t.status,
    captureMode: t.captureMode,
    captureStatus: captureStatusOf(t, now),
    captureBefore: t.captureBefore,
    captured: money(t, amountCaptured(t)),
    refunded: money(t, amountRefunded(t)),
    refundPending: amountRefundPending(t) > 0 ? money(t, amountRefundPending(t)) : undefined,
    voidedAt: t.voided?.voidedAt,
    captures: t.captures.map((c) => ({ opId: c.opId, amount: money(t, c.amount), at: c.capturedAt })),
    refunds: t.refunds.map((r) => ({ opId: r.opId, amount: money(t, r.amount), status: r.status, reason: r.reason, failureReason: r.failureReason, at: r.createdAt })),
  }));
  render(ctx, res, 200, 'back-office.njk', textsFor('en'), { transactions });
}

export function renderRefusal(ctx: BankContext, res: Response, refusal: PaymentRequestRefusal, locale: Locale): void {
  const t = textsFor(locale);
  render(ctx, res, refusal.status, 'request-refused.njk', t, { code: refusal.code, explanation: t.refusals[refusal.code], field: refusal.field });
}

export function renderNotFound(ctx: BankContext, req: Request, res: Response): void {
  const t = textsFor(browserLocale(req));
  render(ctx, res, 404, 'message.njk', t, { title: t.notFoundTitle, message: t.notFound });
}

export function renderServerError(ctx: BankContext, req: Request, res: Response, status: number): void {
  const t = textsFor(browserLocale(req));
  render(ctx, res, status, 'message.njk', t, { title: t.serverErrorTitle, message: t.serverError });
}

/** `action` is neither Pay nor Cancel: the message goes above the form. */
export type CardFormField = CardField | 'action';

export interface CardFormState {
  problems: Partial<Record<CardFormField, CardEntryProblem>>;
  /** Values that may be shown again; never the card number or the security code. */
  kept: { cardType: CardBrand | undefined; expiry: string };
}

/** The fields in the order the buyer meets them: focus goes to the first wrong one. */
const CARD_FORM_ORDER: readonly CardFormField[] = ['action', 'cardType', 'cardNumber', 'expiry', 'cvc'];

const CLIENT_CHECKED_PROBLEMS: readonly CardEntryProblem[] = ['card_type_missing', 'number_invalid', 'number_brand_mismatch', 'expiry_format', 'expired', 'security_code_length'];

/** The card form, empty or sent back with one message per wrong field. */
export function renderCardPage(ctx: BankContext, res: Response, transaction: BankTransaction, status = 200, state?: CardFormState): void {
  const t = textsFor(transaction.locale);
  const errors: Partial<Record<CardFormField, string>> = {};
  for (const [field, problem] of Object.entries(state?.problems ?? {}) as [CardFormField, CardEntryProblem][]) {
    errors[field] = t.problems[problem](state?.kept.cardType);
  }
  // The page's own script checks the same rules before the form is sent; these are its sentences.
  const problemTexts = Object.fromEntries(
    CLIENT_CHECKED_PROBLEMS.map((problem) => [problem, Object.fromEntries(['', ...CARD_BRANDS].map((brand) => [brand, t.problems[problem](brand === '' ? undefined : (brand as CardBrand))]))]),
  );
  render(ctx, res, status, 'card.njk', t, {
    ...summary(transaction),
    firstError: CARD_FORM_ORDER.find((field) => errors[field] !== undefined) ?? null,
    clientTexts: JSON.stringify({ problems: problemTexts, formHasErrors: t.formHasErrors, brandOf: Object.fromEntries(CARD_BRANDS.map((b) => [b, t.brands[b]])) }),
    payUrl: `${ctx.publicUrl}/pay/${transaction.bankTxnId}`,
    brands: CARD_BRANDS.map((brand) => ({ value: brand, label: t.brands[brand], selected: state?.kept.cardType === brand })),
    expiry: state?.kept.expiry ?? '',
    errors,
    hasErrors: Object.keys(errors).length > 0,
  });
}

/** The issuer's challenge page: the code the sandbox "sent", and a message after a wrong one. */
export function renderChallengePage(
  ctx: BankContext,
  res: Response,
  transaction: BankTransaction,
  challenge: PendingChallenge,
  status = 200,
  problem?: ChallengeProblem,
): void {
  const t = textsFor(transaction.locale);
  render(ctx, res, status, 'challenge.njk', t, {
    ...summary(transaction),
    intro: t.challenge.intro(challenge.card.last4),
    code: challenge.code,
    challengeUrl: challengePath(ctx, transaction.bankTxnId),
    error: problem ? t.challenge.problems[problem](challenge.triesLeft) : undefined,
  });
}

export function challengePath(ctx: BankContext, bankTxnId: string): string {
  return `${ctx.publicUrl}/pay/${bankTxnId}/challenge`;
}

/**
 * Sends the buyer back to the merchant with a fresh response in the transaction's protocol:
 * auto-submitted right after the decision, or behind a button when the buyer comes back to a
 * transaction already decided.
 */
export async function renderReturnPage(
  ctx: BankContext,
  req: Request,
  res: Response,
  transaction: DecidedBankTransaction,
  mode: 'just_decided' | 'already_processed',
): Promise<void> {
  const t = textsFor(transaction.locale);
  const form = await ctx.protocolOf(transaction).returnForm(transaction, ctx);
  ctx.security.allowFormSubmissionTo(req, res, form.url);
  const data = {
    ...summary(transaction),
    outcomeTitle: t.outcomeTitles[transaction.status],
    returnUrl: form.url,
    returnMethod: form.method.toLowerCase(),
    returnFields: Object.entries(form.fields).map(([name, value]) => ({ name, value })),
  };
  if (mode === 'just_decided') render(ctx, res, 200, 'return.njk', t, data);
  else render(ctx, res, req.method === 'POST' ? 409 : 200, 'already-processed.njk', t, data);
}
