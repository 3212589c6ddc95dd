/**
 * A task that runs rounds one after another until stopped, pausing between them when a round says
 * so; a pause can be cut short (a state change to act on, or stop()). The outbox delivery worker, the
 * expiry sweeper and the reconciler are such tasks: each must stop promptly, never run two rounds at
 * once, and wake early when there is work.
 */
export abstract class BackgroundLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  /** `unrefTimers`: a pause does not keep the process alive on its own. */
  protected constructor(private readonly unrefTimers: boolean) {}

  /**
   * One round. Resolves to how long to pause before the next one (0 or less: go on at once). A round
   * handles its own errors: a rejection stops nothing but is not expected.
   */
  protected abstract round(): Promise<number>;

  protected get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  /** Ends the current pause now, if there is one; a round in progress is not interrupted. */
  protected wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const pauseMs = await this.round();
      if (pauseMs > 0 && this.running) await this.pause(pauseMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      if (this.unrefTimers) timer.unref();
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }
}
