// The trace store's eviction lists: each retention class keeps its traces in the order they go.
import type { ReceivedSpan } from '../shared/spans.ts';

/** Why a trace is kept: the class decides the eviction order (samples first, then slowest, then errors). */
export type Retention = 'error' | 'slow' | 'sample';

export interface StoredTrace {
  readonly traceId: string;
  spans: ReceivedSpan[];
  /** Slots of `spans`' backing store: V8 grows it by half plus 16 when full. */
  capacity: number;
  bytes: number;
  hasError: boolean;
  retention: Retention;
  /** Rows whose slowest list holds this trace. */
  readonly rows: string[];
  /** Neighbours in its class's eviction list. */
  prev: StoredTrace | undefined;
  next: StoredTrace | undefined;
}

/**
 * Traces in eviction order, oldest first: an intrusive doubly linked list, O(1) to append, remove and
 * read the front. (A Map's iteration from the front skips the tombstones of every deleted entry until
 * the next rehash, which made evicting from the front of a busy Map O(n).)
 */
export class TraceList {
  private head: StoredTrace | undefined;
  private tail: StoredTrace | undefined;
  size = 0;

  append(trace: StoredTrace): void {
    trace.prev = this.tail;
    trace.next = undefined;
    if (this.tail) this.tail.next = trace;
    else this.head = trace;
    this.tail = trace;
    this.size++;
  }

  remove(trace: StoredTrace): void {
    if (trace.prev) trace.prev.next = trace.next;
    else this.head = trace.next;
    if (trace.next) trace.next.prev = trace.prev;
    else this.tail = trace.prev;
    trace.prev = trace.next = undefined;
    this.size--;
  }

  /** Moves the trace to the back: the last to go. */
  touch(trace: StoredTrace): void {
    if (this.tail === trace) return;
    this.remove(trace);
    this.append(trace);
  }

  /** The oldest trace other than `except`. */
  firstOther(except: StoredTrace): StoredTrace | undefined {
    return this.head === except ? except.next : this.head;
  }

  ids(): string[] {
    const ids: string[] = [];
    for (let trace = this.head; trace; trace = trace.next) ids.push(trace.traceId);
    return ids;
  }

  clear(): void {
    this.head = this.tail = undefined;
    this.size = 0;
  }
}
