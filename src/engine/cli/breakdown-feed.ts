/**
 * The receiver's spans into the breakdown (src/shared/breakdown*), and the breakdown into the report.
 * Placeholder until the breakdown lands: counts nothing, adds nothing.
 */
import type { SpanConsumer } from './receiver.ts';

export function breakdownConsumer(): SpanConsumer {
  return {
    add: () => undefined,
    finish: () => ({ spansDropped: 0, spansUnparented: 0 }),
  };
}
