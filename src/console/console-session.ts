import type { RequestHandler } from 'express';
import session from 'express-session';
import 'express-session';
import { mintSessionId } from '../http/session-id.js';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in console user's email. */
    consoleUser?: string;
    /** The user's session generation at sign-in ("sign out everywhere" moves it on). */
    consoleGeneration?: number;
    /** Last request of the signed-in user (ms), for the inactivity expiry. */
    consoleSeenMs?: number;
    /** Password verified, second factor still to give. */
    consoleAwaitingTotp?: string;
    /** A TOTP secret shown on the enrolment page, kept until its first code confirms it. */
    consoleTotpDraft?: string;
  }
}

export interface ConsoleSessionOptions {
  secret: string[];
  /** Where sessions live (Redis under `{prefix}console-sess:`); express-session's memory store when absent. */
  store?: session.Store;
  inactivityMs: number;
}

/** The console cookie's name over https: `__Host-` makes the browser insist on Secure, Path=/ and no Domain. */
export const CONSOLE_COOKIE_HTTPS = '__Host-hpp-console';
export const CONSOLE_COOKIE_HTTP = 'hpp-console';

/**
 * The console's own session, never the buyer's: another cookie, another store prefix, SameSite=Strict
 * (the console has no cross-site entry point to keep), and a lifetime that follows activity (rolling).
 * Two express-session instances because a cookie's name is fixed per instance: `__Host-hpp-console`
 * when the request came over TLS (directly or through a trusted proxy), `hpp-console` on plain http,
 * where a browser would refuse the `__Host-` name.
 */
export function consoleSession(options: ConsoleSessionOptions): RequestHandler {
  const common = {
    secret: options.secret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    genid: mintSessionId,
    ...(options.store ? { store: options.store } : {}),
  };
  const cookie = { httpOnly: true, sameSite: 'strict' as const, path: '/', maxAge: options.inactivityMs };
  const overTls = session({ ...common, name: CONSOLE_COOKIE_HTTPS, cookie: { ...cookie, secure: true } });
  const overHttp = session({ ...common, name: CONSOLE_COOKIE_HTTP, cookie: { ...cookie, secure: false } });
  return (req, res, next) => (req.secure ? overTls : overHttp)(req, res, next);
}
