import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { DeliveryAttemptRecord } from '../store/outbox.js';
import type { EmailContent } from './email-messages.js';

export { buyerReceiptEmail, orderPaidEmail, type CapturedMoney, type EmailContent } from './email-messages.js';
export { buyerRefundReceiptEmail, merchantRefundEmail } from './refund-emails.js';

/** Which email an event causes; with the event id it names the message, so a retry is the same message. */
export type EmailKind = 'order-paid' | 'buyer-receipt' | 'refund-made' | 'refund-refused' | 'buyer-refund-receipt' | 'operation-anomaly';

export interface OutgoingEmail extends EmailContent {
  eventId: string;
  kind: EmailKind;
}

export interface MailLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MailerOptions {
  /** smtp:// or smtps:// URL (SMTP_URL). Without it, messages are written as .eml files to `outboxDir`. */
  smtpUrl?: string;
  /** MAIL_FROM, e.g. `"Demo Shop payments" <payments@shop.example>`. */
  from: string;
  /** MAIL_REPLY_TO: where a reply goes, when not to `from`. */
  replyTo?: string;
  /** MAIL_OUTBOX_DIR: where .eml files go when there is no SMTP server. */
  outboxDir: string;
  logger?: MailLogger;
  clock?: () => Date;
}

export interface Mailer {
  /** `smtp`, or `outbox-dir` for the embedded default. */
  readonly transport: 'smtp' | 'outbox-dir';
  /** Never throws: an accepted message is `status: 250`, anything else an `error`. */
  send(message: OutgoingEmail): Promise<DeliveryAttemptRecord>;
  close(): void;
}

function domainOf(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'hpp-gateway.invalid';
}

/** The same event and kind always give the same Message-ID. */
export function emailMessageId(eventId: string, kind: EmailKind, domain: string): string {
  return `<${safeName(eventId)}.${kind}@${domain}>`;
}

function safeName(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** A fixed text from the error's code only: SMTP errors quote the envelope, which holds addresses. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; responseCode?: unknown; message?: unknown; permanent?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  if (message.includes('ECONNREFUSED')) return 'connection refused';
  if (e.code === 'ETIMEDOUT' || message.includes('ETIMEDOUT')) return 'timeout';
  const parts = ['smtp'];
  if (typeof e.code === 'string' && /^[A-Z0-9_]{1,30}$/.test(e.code)) parts.push(e.code);
  if (typeof e.responseCode === 'number') parts.push(String(e.responseCode));
  if (e.permanent === true) parts.push('(permanent)');
  return parts.length > 1 ? parts.join(' ') : 'sending failed';
}

function fileStamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/**
 * The email channel. With an SMTP URL messages go to that server; without one (the embedded default,
 * for development and demos) each message is written as `<timestamp>-<eventId>-<kind>.eml` into
 * `outboxDir`, where any mail client opens it.
 */
export function createMailer(options: MailerOptions): Mailer {
  const clock = options.clock ?? (() => new Date());
  const domain = domainOf(options.from);
  const log = options.logger;

  const envelope = (message: OutgoingEmail) => ({
    from: options.from,
    ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: emailMessageId(message.eventId, message.kind, domain),
  });

  const fields = (message: OutgoingEmail) => ({ eventId: message.eventId, kind: message.kind });

  if (options.smtpUrl) {
    const transporter = nodemailer.createTransport({
      url: options.smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    return {
      transport: 'smtp',
      async send(message) {
        const started = clock();
        try {
          const info = await transporter.sendMail(envelope(message));
          const status = Number(/^(\d{3})/.exec(String(info.response ?? ''))?.[1] ?? 250);
          return { at: started.toISOString(), durationMs: clock().getTime() - started.getTime(), status };
        } catch (err) {
          const error = describe(err);
          log?.warn({ ...fields(message), error }, 'email not sent');
          return { at: started.toISOString(), durationMs: clock().getTime() - started.getTime(), error };
        }
      },
      close: () => transporter.close(),
    };
  }

  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true });
  log?.info({ outboxDir: options.outboxDir }, 'no SMTP_URL: emails are written as .eml files, not sent (development only)');
  return {
    transport: 'outbox-dir',
    async send(message) {
      const started = clock();
      try {
        const info = await transporter.sendMail(envelope(message));
        await mkdir(options.outboxDir, { recursive: true });
        const file = path.join(options.outboxDir, `${fileStamp(started)}-${safeName(message.eventId)}-${message.kind}.eml`);
        await writeFile(file, info.message as Buffer);
        log?.info({ ...fields(message), file }, 'email written');
        return { at: started.toISOString(), durationMs: clock().getTime() - started.getTime(), status: 250 };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const error = typeof code === 'string' && /^[A-Z0-9_]{1,30}$/.test(code) ? `cannot write the email (${code})` : 'cannot write the email';
        log?.warn({ ...fields(message), error }, 'email not written');
        return { at: started.toISOString(), durationMs: clock().getTime() - started.getTime(), error };
      }
    },
    close: () => transporter.close(),
  };
}
