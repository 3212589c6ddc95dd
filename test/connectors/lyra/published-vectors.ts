export interface Vector {
  source: string;
  algorithm: 'HMAC-SHA-256' | 'SHA-1';
  key: string;
  fields: Record<string, string>;
  signedString?: string;
  signature: string;
}

/** The two published lyra-form examples, inputs and outputs exactly as their sources give them. */
export const SYSTEMPAY_FORM_API_EXAMPLE: Vector = {
  source: 'Systempay form API documentation, signature computation example',
  algorithm: 'HMAC-SHA-256',
  key: '1122334455667788',
  fields: {
    vads_action_mode: 'INTERACTIVE',
    vads_amount: '5124',
    vads_ctx_mode: 'TEST',
    vads_currency: '978',
    vads_page_action: 'PAYMENT',
    vads_payment_config: 'SINGLE',
    vads_site_id: '12345678',
    vads_trans_date: '20170129130025',
    vads_trans_id: '123456',
    vads_version: 'V2',
  },
  signedString: 'INTERACTIVE+5124+TEST+978+PAYMENT+SINGLE+12345678+20170129130025+123456+V2+1122334455667788',
  signature: 'ycA5Do5tNvsnKdc/eP1bj2xa19z9q3iWPy9/rpesfS0=',
};

export const SYSTEMPAY_V2_SHA1_EXAMPLE: Vector = {
  source: 'Systempay v2 documentation example',
  algorithm: 'SHA-1',
  key: '1122334455667788',
  // In the order the source lists them: signing must sort them.
  fields: {
    vads_version: 'V2',
    vads_page_action: 'PAYMENT',
    vads_action_mode: 'INTERACTIVE',
    vads_payment_config: 'SINGLE',
    vads_site_id: '12345678',
    vads_ctx_mode: 'TEST',
    vads_trans_id: '654321',
    vads_trans_date: '20090501193530',
    vads_amount: '1524',
    vads_currency: '978',
  },
  signature: '606b369759fac4f0864144c803c73676cbe470ff',
};
