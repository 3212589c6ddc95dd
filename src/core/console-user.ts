import type { ConsoleRole } from './console-role.js';

/** A person who signs in to the merchant console. */
export interface ConsoleUser {
  /** Lower-cased; the user's identity. */
  email: string;
  role: ConsoleRole;
  /** `scrypt$N$r$p$salt$hash` (service/password-hash.ts); never the password. */
  passwordHash: string;
  /** Base32 TOTP secret once the second factor is confirmed; null without one. */
  totpSecret: string | null;
  /** The last TOTP time step accepted, so a code is good once. */
  totpLastStep?: number;
  /**
   * Bumped by "sign out everywhere" and by a password reset: a session signed in under an older
   * generation is refused on its next request.
   */
  sessionGeneration: number;
  createdAt: string;
  updatedAt: string;
}

/** Emails are compared without case or surrounding spaces. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
