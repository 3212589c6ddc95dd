import type { Locale } from '../src/index.js';
import type { CardBrand } from './cards.js';
import type { RequestRefusalCode } from './request-refusal.js';
import type { SandboxTransactionStatus } from './transaction-book.js';

/** Why a card form was sent back to the buyer; each maps to one sentence next to one field. */
export type CardEntryProblem =
  | 'card_type_missing'
  | 'number_invalid'
  | 'number_brand_mismatch'
  | 'expiry_format'
  | 'expired'
  | 'security_code_length'
  | 'unknown_action';

/** Every sentence the sandbox bank shows a buyer, in one language. */
export interface BankTexts {
  locale: Locale;
  bankName: string;
  sandboxNotice: string;
  securePaymentTitle: string;
  merchant: string;
  amount: string;
  description: string;
  cardNumber: string;
  expiry: string;
  expiryPlaceholder: string;
  securityCode: string;
  cardType: string;
  chooseCardType: string;
  brands: Record<CardBrand, string>;
  pay: string;
  cancel: string;
  formHasErrors: string;
  problems: Record<CardEntryProblem, (brand: CardBrand | undefined) => string>;
  outcomeTitles: Record<Exclude<SandboxTransactionStatus, 'awaiting_card'>, string>;
  returningToMerchant: string;
  continueToMerchant: string;
  alreadyProcessedTitle: string;
  alreadyProcessed: string;
  notFoundTitle: string;
  notFound: string;
  refusedRequestTitle: string;
  refusals: Record<RequestRefusalCode, string>;
  refusalField: string;
  serverErrorTitle: string;
  serverError: string;
  challenge: ChallengeTexts;
}

/** Why the challenge page came back with a message. */
export type ChallengeProblem = 'wrong_code' | 'code_format';

/** The issuer's 3-D Secure challenge page. */
export interface ChallengeTexts {
  title: string;
  intro: (last4: string) => string;
  codeLabel: string;
  codeHint: string;
  /** The sandbox shows the code it would have sent by text message. */
  testCode: string;
  confirm: string;
  cancel: string;
  problems: Record<ChallengeProblem, (triesLeft: number) => string>;
}

const en: BankTexts = {
  locale: 'en',
  bankName: 'Sandbox Bank',
  sandboxNotice: 'Test environment: no real card is ever charged. Use a test card.',
  securePaymentTitle: 'Secure card payment',
  merchant: 'Merchant',
  amount: 'Amount',
  description: 'Description',
  cardNumber: 'Card number',
  expiry: 'Expiry date (MM/YY)',
  expiryPlaceholder: 'MM/YY',
  securityCode: 'Security code',
  cardType: 'Card type',
  chooseCardType: 'Choose…',
  brands: { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', diners: 'Diners Club' },
  pay: 'Pay',
  cancel: 'Cancel',
  formHasErrors: 'The payment was not made. Please correct the details below.',
  problems: {
    card_type_missing: () => 'Choose the type of your card.',
    number_invalid: () => 'This card number is not valid. Check the digits on your card.',
    number_brand_mismatch: (brand) => `This number is not a ${brand ? en.brands[brand] : 'card'} number. Check the card type.`,
    expiry_format: () => 'Enter the expiry date as MM/YY, for example 08/29.',
    expired: () => 'This card has expired.',
    security_code_length: (brand) =>
      brand === 'amex' ? 'The security code of an American Express card is 4 digits.' : 'The security code is the 3 digits on the back of your card.',
    unknown_action: () => 'Press Pay or Cancel.',
  },
  outcomeTitles: {
    authorised: 'Payment authorised',
    refused: 'Payment refused',
    cancelled: 'Payment cancelled',
    error: 'Payment failed',
  },
  returningToMerchant: 'Taking you back to the merchant…',
  continueToMerchant: 'Continue to the merchant',
  alreadyProcessedTitle: 'Payment already processed',
  alreadyProcessed: 'This payment has already been processed and cannot be paid again.',
  notFoundTitle: 'Unknown transaction',
  notFound: 'This payment link is not valid. Go back to the merchant and start again.',
  refusedRequestTitle: 'Payment request refused',
  refusals: {
    missing_request: 'No payment request was received (the field named below is missing).',
    malformed_request: 'The payment request is not a well-formed signed token.',
    unknown_merchant: 'The payment request comes from a merchant this bank does not know for this protocol (the field named below).',
    algorithm_not_allowed: 'The payment request is signed with an algorithm this bank does not accept (native: EdDSA, ES256 or PS256; Sips: HMAC-SHA-256 or SHA-256).',
    wrong_type: 'The payment request does not have the type hpp-req+jwt (typ).',
    bad_signature: "The payment request's signature does not match the merchant's registered keys.",
    bad_seal: "The payment request's seal does not match the merchant's secret key for the key version it names.",
    unknown_key_version: 'The payment request names a key version (keyVersion) for which the merchant has registered no secret key.',
    wrong_audience: 'The payment request is addressed to another bank (aud).',
    expired: 'The payment request has expired. Go back to the merchant and try again.',
    issued_in_future: 'The payment request is dated in the future (iat): check the merchant server clock.',
    lifetime_too_long: 'The payment request is valid for longer than the 600 seconds allowed (exp − iat).',
    invalid_claims: 'The payment request is missing a field or has an invalid one.',
    reference_reused: 'This transaction reference has already been processed. Go back to the merchant and start a new payment.',
    reference_in_use: 'This transaction reference is already in use for a different amount or currency.',
    merchant_keys_unavailable: "The merchant's keys cannot be fetched right now. Please try again in a moment.",
  },
  refusalField: 'Field',
  serverErrorTitle: 'Something went wrong',
  serverError: 'The bank could not process this page. Please try again.',
  challenge: {
    title: 'Confirm it is you',
    intro: (last4) => `Your bank asks you to confirm this payment with the card ending in ${last4}. Type the one-time code it sent you.`,
    codeLabel: 'One-time code',
    codeHint: '6 digits',
    testCode: 'Sandbox: the code to type is',
    confirm: 'Confirm',
    cancel: 'Cancel the payment',
    problems: {
      wrong_code: (n) => `This code is not the right one. ${n === 1 ? '1 try left' : `${n} tries left`}.`,
      code_format: (n) => `Type the 6 digits of the code. ${n === 1 ? '1 try left' : `${n} tries left`}.`,
    },
  },
};

const fr: BankTexts = {
  locale: 'fr',
  bankName: 'Banque Sandbox',
  sandboxNotice: 'Environnement de test : aucune carte réelle n’est jamais débitée. Utilisez une carte de test.',
  securePaymentTitle: 'Paiement sécurisé par carte',
  merchant: 'Commerçant',
  amount: 'Montant',
  description: 'Description',
  cardNumber: 'Numéro de carte',
  expiry: 'Date d’expiration (MM/AA)',
  expiryPlaceholder: 'MM/AA',
  securityCode: 'Cryptogramme visuel',
  cardType: 'Type de carte',
  chooseCardType: 'Choisir…',
  brands: { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', diners: 'Diners Club' },
  pay: 'Payer',
  cancel: 'Annuler',
  formHasErrors: 'Le paiement n’a pas été effectué. Corrigez les informations ci-dessous.',
  problems: {
    card_type_missing: () => 'Choisissez le type de votre carte.',
    number_invalid: () => 'Ce numéro de carte n’est pas valide. Vérifiez les chiffres de votre carte.',
    number_brand_mismatch: (brand) => `Ce numéro n’est pas celui d’une carte ${brand ? fr.brands[brand] : ''}. Vérifiez le type de carte.`,
    expiry_format: () => 'Saisissez la date d’expiration au format MM/AA, par exemple 08/29.',
    expired: () => 'Cette carte est expirée.',
    security_code_length: (brand) =>
      brand === 'amex'
        ? 'Le cryptogramme d’une carte American Express comporte 4 chiffres.'
        : 'Le cryptogramme est composé des 3 chiffres au dos de votre carte.',
    unknown_action: () => 'Appuyez sur Payer ou Annuler.',
  },
  outcomeTitles: {
    authorised: 'Paiement autorisé',
    refused: 'Paiement refusé',
    cancelled: 'Paiement annulé',
    error: 'Échec du paiement',
  },
  returningToMerchant: 'Retour vers le commerçant…',
  continueToMerchant: 'Continuer vers le commerçant',
  alreadyProcessedTitle: 'Paiement déjà traité',
  alreadyProcessed: 'Ce paiement a déjà été traité et ne peut pas être payé une seconde fois.',
  notFoundTitle: 'Transaction inconnue',
  notFound: 'Ce lien de paiement n’est pas valide. Revenez chez le commerçant et recommencez.',
  refusedRequestTitle: 'Demande de paiement refusée',
  refusals: {
    missing_request: 'Aucune demande de paiement n’a été reçue (le champ indiqué ci-dessous manque).',
    malformed_request: 'La demande de paiement n’est pas un jeton signé bien formé.',
    unknown_merchant: 'La demande de paiement vient d’un commerçant inconnu de cette banque pour ce protocole (champ indiqué ci-dessous).',
    algorithm_not_allowed: 'La demande de paiement est signée avec un algorithme que cette banque refuse (natif : EdDSA, ES256 ou PS256 ; Sips : HMAC-SHA-256 ou SHA-256).',
    wrong_type: 'La demande de paiement n’est pas de type hpp-req+jwt (typ).',
    bad_signature: 'La signature de la demande de paiement ne correspond pas aux clés enregistrées du commerçant.',
    bad_seal: 'Le sceau de la demande de paiement ne correspond pas à la clé secrète du commerçant pour la version de clé indiquée.',
    unknown_key_version: 'La demande de paiement indique une version de clé (keyVersion) pour laquelle le commerçant n’a enregistré aucune clé secrète.',
    wrong_audience: 'La demande de paiement est adressée à une autre banque (aud).',
    expired: 'La demande de paiement a expiré. Revenez chez le commerçant et réessayez.',
    issued_in_future: 'La demande de paiement est datée dans le futur (iat) : vérifiez l’horloge du serveur du commerçant.',
    lifetime_too_long: 'La demande de paiement est valable plus longtemps que les 600 secondes permises (exp − iat).',
    invalid_claims: 'Un champ de la demande de paiement manque ou n’est pas valide.',
    reference_reused: 'Cette référence de transaction a déjà été traitée. Revenez chez le commerçant et recommencez le paiement.',
    reference_in_use: 'Cette référence de transaction est déjà utilisée pour un autre montant ou une autre devise.',
    merchant_keys_unavailable: 'Les clés du commerçant ne sont pas joignables pour le moment. Réessayez dans un instant.',
  },
  refusalField: 'Champ',
  serverErrorTitle: 'Une erreur est survenue',
  serverError: 'La banque n’a pas pu traiter cette page. Réessayez.',
  challenge: {
    title: 'Confirmez que c’est bien vous',
    intro: (last4) => `Votre banque vous demande de confirmer ce paiement avec la carte se terminant par ${last4}. Saisissez le code à usage unique qu’elle vous a envoyé.`,
    codeLabel: 'Code à usage unique',
    codeHint: '6 chiffres',
    testCode: 'Sandbox : le code à saisir est',
    confirm: 'Confirmer',
    cancel: 'Annuler le paiement',
    problems: {
      wrong_code: (n) => `Ce code n’est pas le bon. ${n === 1 ? 'Encore 1 essai' : `Encore ${n} essais`}.`,
      code_format: (n) => `Saisissez les 6 chiffres du code. ${n === 1 ? 'Encore 1 essai' : `Encore ${n} essais`}.`,
    },
  },
};

const byLocale: Record<Locale, BankTexts> = { en, fr };

export function textsFor(locale: Locale): BankTexts {
  return byLocale[locale];
}
