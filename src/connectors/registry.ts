import { GatewayError } from '../core/errors.js';
import type { BankConnector } from './bank-connector.js';

/** The connectors this gateway is configured with, by name. */
export class ConnectorRegistry {
  private readonly byName = new Map<string, BankConnector>();
  readonly defaultName: string;

  constructor(connectors: BankConnector[], defaultName?: string) {
    for (const c of connectors) this.byName.set(c.name, c);
    const first = connectors[0];
    if (!first) throw new Error('at least one bank connector is required');
    this.defaultName = defaultName ?? first.name;
  }

  get(name: string): BankConnector {
    const connector = this.byName.get(name);
    if (!connector) throw new GatewayError('internal', `connector ${name} is not configured`);
    return connector;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every configured connector's name, in configured order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): BankConnector[] {
    return [...this.byName.values()];
  }

  /** Origins the checkout may send a buyer's form to (CSP form-action). */
  bankOrigins(): string[] {
    return [...new Set(this.all().map((c) => c.bankOrigin))];
  }
}
