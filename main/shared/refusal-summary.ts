/**
 * Counts refused or dropped requests by kind and turns them into one log line now and then:
 * a flood of bad requests must not become a flood of log lines (or slow the host down).
 */
export class RefusalSummary<K extends string> {
  private readonly unreported = new Map<K, number>();
  private last = '';

  constructor(private readonly labels: Record<K, string>) {}

  record(kind: K, what: string): void {
    this.unreported.set(kind, (this.unreported.get(kind) ?? 0) + 1);
    this.last = what;
  }

  /** "3 malformed, 2 over the rate limit (last: ...)", or undefined when nothing happened. */
  take(): string | undefined {
    if (this.unreported.size === 0) return undefined;
    const parts = [...this.unreported].map(([kind, n]) => `${n} ${this.labels[kind]}`);
    this.unreported.clear();
    return `${parts.join(', ')} (last: ${this.last})`;
  }
}
