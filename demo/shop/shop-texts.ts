import type { Locale } from '../../src/index.js';

/** The shop's pages in the buyer's language. `{name}`, `{seconds}`… are filled in by `fill`. */
const en = {
  lang: 'en',
  shopName: 'Demo shop',
  navProducts: 'Products',
  navOrders: 'Orders',
  footer: 'A demonstration shop: no real money, pay with a sandbox test card.',
  productsTitle: 'Products',
  buy: 'Buy {name}',
  options: 'Checkout options',
  pageLanguage: 'Payment page language',
  bankProtocol: 'Bank protocol',
  whenTaken: 'When the money is taken',
  payNow: 'Pay now',
  payLater: 'Pay now, ship later (reserved now, taken when the order ships)',
  email: 'Email for the receipt (optional)',
  ordersTitle: 'Orders',
  order: 'Order',
  product: 'Product',
  amount: 'Amount',
  status: 'Status',
  ordered: 'Ordered',
  checkFlag: 'check',
  checkFlagTitle: 'Check this payment before you ship',
  ordersNote: 'The status is the shop’s own: an order is paid once the payment service’s signed confirmation has reached the shop.',
  noOrders: 'No orders yet.',
  backToShop: 'Back to the shop',
  yourOrders: 'Your orders',
  orderTitle: 'Order {reference}',
  waiting: 'Waiting for the payment confirmation… This page refreshes every {seconds} seconds.',
  orderStatus: 'Order status',
  card: 'Card',
  cardValue: '{brand} ending in {last4}',
  paidAt: 'Paid at',
  payment: 'Payment',
  payLaterShort: 'Pay now, ship later (taken when shipped)',
  captured: 'Captured',
  refunded: 'Refunded',
  shipAsked: 'Capture asked: the order shows as paid once the payment service’s signed confirmation arrives.',
  refundAsked: 'Refund asked: it shows below once the payment service’s signed confirmation arrives.',
  refund: 'Refund',
  reason: 'Reason',
  checkBeforeShipping: 'Check this payment before you ship:',
  gatewaySays: 'Gateway says:',
  gatewayUnavailable: 'Gateway says: status unavailable right now',
  gatewayMoney: 'Gateway says: captured {captured}, refunded {refunded}',
  shipAmount: 'Amount to capture (empty: all)',
  ship: 'Ship',
  refundAmount: 'Amount to refund (empty: all that is left, {refundable})',
  refundReason: 'Reason (optional)',
  tryAgain: 'Try again',
  goToPayment: 'Go to payment',
} as const;

export type ShopTextKey = keyof typeof en;
export type ShopTexts = Record<ShopTextKey, string>;

/** French typography: a non-breaking space before « : », « ? » and « ! » (\u00a0 and \u202f). */
const fr: ShopTexts = {
  lang: 'fr',
  shopName: 'Boutique de démonstration',
  navProducts: 'Produits',
  navOrders: 'Commandes',
  footer: 'Une boutique de démonstration\u00a0: pas de vrai argent, payez avec une carte de test du bac à sable.',
  productsTitle: 'Produits',
  buy: 'Acheter {name}',
  options: 'Options de paiement',
  pageLanguage: 'Langue de la page de paiement',
  bankProtocol: 'Protocole bancaire',
  whenTaken: 'Quand l’argent est débité',
  payNow: 'Payer maintenant',
  payLater: 'Payer maintenant, expédier plus tard (réservé maintenant, débité à l’expédition)',
  email: 'E-mail pour le reçu (facultatif)',
  ordersTitle: 'Commandes',
  order: 'Commande',
  product: 'Produit',
  amount: 'Montant',
  status: 'État',
  ordered: 'Passée le',
  checkFlag: 'à vérifier',
  checkFlagTitle: 'Vérifiez ce paiement avant d’expédier',
  ordersNote: 'L’état est celui de la boutique\u00a0: une commande est payée quand la confirmation signée du service de paiement lui est parvenue.',
  noOrders: 'Aucune commande pour l’instant.',
  backToShop: 'Retour à la boutique',
  yourOrders: 'Vos commandes',
  orderTitle: 'Commande {reference}',
  waiting: 'En attente de la confirmation du paiement… Cette page se recharge toutes les {seconds}\u00a0secondes.',
  orderStatus: 'État de la commande',
  card: 'Carte',
  cardValue: '{brand} se terminant par {last4}',
  paidAt: 'Payée le',
  payment: 'Paiement',
  payLaterShort: 'Payer maintenant, expédier plus tard (débité à l’expédition)',
  captured: 'Débité',
  refunded: 'Remboursé',
  shipAsked: 'Débit demandé\u00a0: la commande apparaît payée dès que la confirmation signée du service de paiement arrive.',
  refundAsked: 'Remboursement demandé\u00a0: il apparaît ci-dessous dès que la confirmation signée du service de paiement arrive.',
  refund: 'Remboursement',
  reason: 'Motif',
  checkBeforeShipping: 'Vérifiez ce paiement avant d’expédier\u00a0:',
  gatewaySays: 'Selon le service de paiement\u00a0:',
  gatewayUnavailable: 'Selon le service de paiement\u00a0: état indisponible pour le moment',
  gatewayMoney: 'Selon le service de paiement\u00a0: débité {captured}, remboursé {refunded}',
  shipAmount: 'Montant à débiter (vide\u00a0: tout)',
  ship: 'Expédier',
  refundAmount: 'Montant à rembourser (vide\u00a0: tout ce qui reste, {refundable})',
  refundReason: 'Motif (facultatif)',
  tryAgain: 'Réessayer',
  goToPayment: 'Aller au paiement',
};

const catalogues: Record<Locale, ShopTexts> = { en, fr };

export function shopTexts(locale: Locale): ShopTexts {
  return catalogues[locale];
}

/** The text with its `{placeholders}` replaced (raw: the templates escape it). */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] === undefined ? whole : String(values[name])));
}

/**
 * The shop's own error pages (and its words for a payment service it cannot reach), by their English
 * text: each must have its French one, which a French buyer reads.
 */
const FRENCH_PROBLEMS: Readonly<Record<string, string>> = {
  'Unknown product': 'Produit inconnu',
  'We do not sell this product. Please pick one from the shop.': 'Nous ne vendons pas ce produit. Choisissez-en un dans la boutique.',
  'Unknown language': 'Langue inconnue',
  'Please choose English or French.': 'Choisissez l’anglais ou le français.',
  'Unknown bank': 'Banque inconnue',
  'Please pick one of the banks offered.': 'Choisissez l’une des banques proposées.',
  'Unknown payment option': 'Option de paiement inconnue',
  'Please choose to pay now, or to pay now and ship later.': 'Choisissez de payer maintenant, ou de payer maintenant et d’être débité à l’expédition.',
  'Please check your email address': 'Vérifiez votre adresse e-mail',
  'It does not look like an email address. You can also leave it empty.': 'Ce n’est pas une adresse e-mail. Vous pouvez aussi laisser le champ vide.',
  'No such order': 'Commande introuvable',
  'We have no order with this reference.': 'Nous n’avons aucune commande avec cette référence.',
  'Page not found': 'Page introuvable',
  'There is nothing at this address.': 'Il n’y a rien à cette adresse.',
  'We could not read this request': 'Nous n’avons pas pu lire cette demande',
  'Please go back to the shop and try again.': 'Revenez à la boutique et réessayez.',
  'Something went wrong': 'Un problème est survenu',
  'Unexpected answer from the payment service': 'Réponse inattendue du service de paiement',
  'Please try again in a moment.': 'Réessayez dans un instant.',
  'The payment service cannot be reached': 'Le service de paiement est injoignable',
  'The payment service did not answer in time': 'Le service de paiement n’a pas répondu à temps',
};

/** A text of the shop's error pages in the buyer's language (a text from elsewhere, such as the gateway's own detail, as it is). */
export function problemText(locale: Locale, english: string): string {
  return locale === 'fr' ? (FRENCH_PROBLEMS[english] ?? english) : english;
}

/** The English texts that have their French one (for tests). */
export const TRANSLATED_PROBLEMS: readonly string[] = Object.keys(FRENCH_PROBLEMS);
