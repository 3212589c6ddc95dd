import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { RequestHandler } from 'express';
import type { GatewayConfig } from '../config.js';

/**
 * The gateway's listener: plain HTTP (behind a TLS-terminating proxy) or HTTPS with TLS_CERT/TLS_KEY.
 * With BANK_CLIENT_CA the TLS handshake asks for a client certificate and records whether it chains to
 * that CA; requireBankClientCertificate then demands it on the notification route only (buyers have none).
 */
export async function createListener(config: GatewayConfig, app: http.RequestListener): Promise<http.Server> {
  if (!config.tls) return http.createServer(app);
  const [cert, key, ca] = await Promise.all([
    readFile(config.tls.certFile),
    readFile(config.tls.keyFile),
    config.tls.bankClientCaFile ? readFile(config.tls.bankClientCaFile) : Promise.resolve(undefined),
  ]);
  return https.createServer({ cert, key, minVersion: 'TLSv1.2', ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}) }, app);
}

export const requireBankClientCertificate: RequestHandler = (req, res, next) => {
  const socket = req.socket as TLSSocket;
  if (socket.encrypted && socket.authorized) return next();
  res.status(403).type('text/plain').send('a client certificate issued by the configured bank CA is required');
};

/** The agent that presents the gateway's client certificate to merchant webhook endpoints. */
export async function webhookAgent(config: GatewayConfig): Promise<https.Agent | undefined> {
  const tls = config.webhookClientTls;
  if (!tls) return undefined;
  const read = (file?: string) => (file ? readFile(file) : Promise.resolve(undefined));
  const [cert, key, ca] = await Promise.all([read(tls.certFile), read(tls.keyFile), read(tls.caFile)]);
  return new https.Agent({ ...(cert && key ? { cert, key } : {}), ...(ca ? { ca } : {}), keepAlive: true });
}
