/** What every email says of the shop, from the settings: its name, its clock, and whom to write to. */
export interface ShopMailSettings {
  merchantName: string;
  /** MERCHANT_TIME_ZONE: times in emails read in it (an IANA name, UTC by default). */
  timeZone: string;
  /** SHOP_CONTACT_EMAIL: the address buyers are told to write to about their order. */
  contactEmail?: string;
  /** The payment's page in the merchant console, linked from the merchant's emails. */
  consoleUrl?: (paymentId: string) => string;
}
