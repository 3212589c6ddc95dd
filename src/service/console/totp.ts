import { Secret, TOTP } from 'otpauth';

/**
 * The console's second factor: RFC 6238 TOTP with the parameters every authenticator app reads from
 * an otpauth:// URI (SHA-1, 6 digits, 30 s). One step either side is accepted for clock drift.
 */
export const TOTP_PERIOD_SECONDS = 30;
const DRIFT_STEPS = 1;

export interface TotpParameters {
  algorithm?: 'SHA1' | 'SHA256' | 'SHA512';
  digits?: number;
}

function totp(secretBase32: string, label = '', parameters: TotpParameters = {}): TOTP {
  return new TOTP({
    issuer: 'hpp-gateway console',
    label,
    secret: Secret.fromBase32(secretBase32),
    algorithm: parameters.algorithm ?? 'SHA1',
    digits: parameters.digits ?? 6,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** A new random secret (160 bits, as RFC 4226 recommends), in Base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app scans. */
export function totpUri(secretBase32: string, email: string): string {
  return totp(secretBase32, email).toString();
}

/** The code for a time (tests, and the RFC's vectors). */
export function totpCode(secretBase32: string, at: Date, parameters: TotpParameters = {}): string {
  return totp(secretBase32, '', parameters).generate({ timestamp: at.getTime() });
}

/**
 * The time step the code belongs to when it is valid at `at` (within the drift), else null. The
 * caller keeps the last accepted step so a code is used once.
 */
export function totpStep(secretBase32: string, code: string, at: Date, parameters: TotpParameters = {}): number | null {
  const cleaned = code.replace(/\s+/g, '');
  if (!/^\d{6,8}$/.test(cleaned)) return null;
  const delta = totp(secretBase32, '', parameters).validate({ token: cleaned, timestamp: at.getTime(), window: DRIFT_STEPS });
  if (delta === null) return null;
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS) + delta;
}
