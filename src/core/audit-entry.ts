/** Who did something: a console user (by email) or a merchant API key (by its name, never the key). */
export type AuditActor = { kind: 'console_user'; email: string } | { kind: 'api_key'; name: string };

/**
 * One line of the audit log: who did what, when, to which payment. `action` is a stable word
 * (`console.refund`, `api.payment.create` …); `detail` holds the few facts that say what was asked
 * (amounts in minor units, a refund's id, an event and its target), never a secret or card data.
 */
export interface AuditEntry {
  id: string;
  at: string;
  actor: AuditActor;
  action: string;
  paymentId?: string;
  detail: Record<string, string | number>;
}

/** What is to be recorded: the entry without its id and time, which recording gives it. */
export interface AuditRecord {
  actor: AuditActor;
  action: string;
  paymentId?: string;
  detail?: Record<string, string | number>;
}

/** The entry of `record`, made at `at`. */
export function auditEntryOf(record: AuditRecord, at: Date, id: string): AuditEntry {
  return {
    id,
    at: at.toISOString(),
    actor: record.actor,
    action: record.action,
    ...(record.paymentId ? { paymentId: record.paymentId } : {}),
    detail: record.detail ?? {},
  };
}

/** The actor as one readable word: the email, or `key:` and the key's name. */
export function actorText(actor: AuditActor): string {
  return actor.kind === 'console_user' ? actor.email : `key:${actor.name}`;
}
