/**
 * The merchant's webhook endpoint during the benchmark, a process of its own so that deliveries cost
 * the gateway what they cost in production and cost the load driver nothing. Answers 200 to all.
 */
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'));
});
server.listen(Number(process.env.BENCH_RECEIVER_PORT ?? 0), '127.0.0.1', () => console.log('receiver listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
