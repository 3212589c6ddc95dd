/**
 * The bare Express 5 app the gateway is measured against, run as a process of its own: a JSON POST
 * answered 201, a small HTML page, and the same two with the one EdDSA operation the gateway's signed
 * paths cannot avoid (pay signs a bank request; notify verifies a bank response). Those two are the
 * ceilings of the signed paths. BENCH_BASELINE_PORT chooses the port; the bank key for verification
 * comes as a public JWK in BENCH_VERIFY_JWK.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import { generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';

const PAGE = (extra: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout</title></head><body><main><h1>Pay 12.50 EUR</h1><form method="post"><input type="hidden" name="t" value="${extra}"><button>Pay</button></form></main></body></html>`;

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_BASELINE_PORT ?? 0);
  const { privateKey } = await generateKeyPair('EdDSA');
  const verifyKey = await importJWK(JSON.parse(process.env.BENCH_VERIFY_JWK ?? '{}') as JWK, 'EdDSA');
  const app = express();

  app.post('/json', express.json(), (req, res) => {
    res.status(201).json({ id: randomUUID(), received: req.body as unknown });
  });
  app.get('/page', (_req, res) => {
    res.type('html').send(PAGE(randomUUID()));
  });
  app.get('/page-signed', async (_req, res) => {
    const token = await new SignJWT({ txn: { ref: randomUUID(), amount: 1250, currency: 'EUR' } })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'bench+jwt' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    res.type('html').send(PAGE(token));
  });
  app.post('/json-verified', express.urlencoded({ extended: false }), async (req, res) => {
    const { payload } = await jwtVerify(String((req.body as Record<string, unknown>).response), verifyKey, { algorithms: ['EdDSA'] });
    res.status(200).json({ status: 'accepted', jti: payload.jti });
  });

  const server = app.listen(port, '127.0.0.1', () => {
    const address = server.address();
    console.log(JSON.stringify({ msg: 'baseline listening', port: typeof address === 'object' && address ? address.port : port }));
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
