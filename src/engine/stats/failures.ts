/**
 * The run's examples, each bounded whatever the scenario does: failures grouped by kind with their
 * last trace ids, the slowest requests, and exceptions thrown by scenario code.
 */
import type { FailureRow, IterationError, SlowRequest } from '../../shared/report.ts';

/** Method and name of the rows that collect what exceeds a cap (a real HTTP method is never '*'). */
export const OVERFLOW_METHOD = '*';
export const OVERFLOW_NAME = '(other names)';
/** Error (failures) or message (iteration errors) of the group that collects kinds beyond the cap. */
export const OVERFLOW_ERROR = '(other errors)';

/** JSON form of a failure group; `overflow` marks the group collecting kinds beyond the cap. */
export interface EncodedFailure extends FailureRow {
  overflow: boolean;
}

class FailureGroup {
  readonly method: string;
  readonly name: string;
  readonly error: string;
  count = 0;
  lastAt = 0;
  /** A ring of the last trace ids; `nextId` is where the next one goes once the ring is full. */
  private readonly traceIds: string[] = [];
  private nextId = 0;
  private readonly examples: number;

  constructor(method: string, name: string, error: string, examples: number) {
    this.method = method;
    this.name = name;
    this.error = error;
    this.examples = examples;
  }

  add(count: number, traceId: string | undefined, at: number): void {
    this.count += count;
    if (at > this.lastAt) this.lastAt = at;
    if (traceId === undefined || traceId === '' || this.examples === 0) return;
    if (this.traceIds.length < this.examples) {
      this.traceIds.push(traceId);
    } else {
      this.traceIds[this.nextId] = traceId;
      this.nextId = (this.nextId + 1) % this.examples;
    }
  }

  toFailureRow(): FailureRow {
    const traceIds = this.traceIds.slice(this.nextId).concat(this.traceIds.slice(0, this.nextId));
    return { method: this.method, name: this.name, error: this.error, count: this.count, traceIds, lastAt: this.lastAt };
  }
}

/**
 * Failures grouped by (method, name, error), newest trace ids last. At most `maxGroups` groups plus one
 * overflow group (method '*', name '(other names)', error '(other errors)') that counts the rest.
 */
export class FailureLog {
  private readonly maxGroups: number;
  private readonly examples: number;
  /** method → name → error → group: nested maps so a lookup allocates no key string. */
  private readonly groups = new Map<string, Map<string, Map<string, FailureGroup>>>();
  private groupCount = 0;
  private overflow: FailureGroup | undefined;

  constructor(maxGroups: number, examples: number) {
    this.maxGroups = maxGroups;
    this.examples = examples;
  }

  add(method: string, name: string, error: string, traceId: string | undefined, at: number, count = 1): void {
    this.groupFor(method, name, error).add(count, traceId, at);
  }

  /** Number of groups held, the overflow group included. */
  get size(): number {
    return this.groupCount + (this.overflow === undefined ? 0 : 1);
  }

  /** Most frequent first, the overflow group last. */
  rows(): FailureRow[] {
    const rows = this.all().filter(group => group !== this.overflow).map(group => group.toFailureRow()).sort((a, b) => b.count - a.count);
    if (this.overflow !== undefined) rows.push(this.overflow.toFailureRow());
    return rows;
  }

  encode(): EncodedFailure[] {
    return this.all().map(group => ({ ...group.toFailureRow(), overflow: group === this.overflow }));
  }

  merge(failures: EncodedFailure[]): void {
    for (const failure of failures) {
      const group = failure.overflow ? this.overflowGroup() : this.groupFor(failure.method, failure.name, failure.error);
      group.add(failure.count, undefined, failure.lastAt);
      for (const traceId of failure.traceIds) group.add(0, traceId, failure.lastAt);
    }
  }

  private groupFor(method: string, name: string, error: string): FailureGroup {
    let byName = this.groups.get(method);
    let byError = byName?.get(name);
    const existing = byError?.get(error);
    if (existing !== undefined) return existing;
    if (this.groupCount >= this.maxGroups) return this.overflowGroup();
    if (byName === undefined) this.groups.set(method, (byName = new Map()));
    if (byError === undefined) byName.set(name, (byError = new Map()));
    const group = new FailureGroup(method, name, error, this.examples);
    byError.set(error, group);
    this.groupCount++;
    return group;
  }

  private overflowGroup(): FailureGroup {
    return (this.overflow ??= new FailureGroup(OVERFLOW_METHOD, OVERFLOW_NAME, OVERFLOW_ERROR, this.examples));
  }

  private all(): FailureGroup[] {
    const all: FailureGroup[] = [];
    for (const byName of this.groups.values()) {
      for (const byError of byName.values()) all.push(...byError.values());
    }
    if (this.overflow !== undefined) all.push(this.overflow);
    return all;
  }
}

/** The `capacity` slowest requests of the run, slowest first; on equal durations the earlier stays. */
export class SlowestRequests {
  private readonly capacity: number;
  private readonly slowest: SlowRequest[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Cheap when the request is not among the slowest, which is nearly always once the list is full. */
  offer(method: string, name: string, durationMs: number, status: number, traceId: string | undefined, at: number): void {
    const full = this.slowest.length >= this.capacity;
    if (this.capacity === 0 || (full && durationMs <= (this.slowest[this.slowest.length - 1]?.durationMs ?? Infinity))) return;
    const request: SlowRequest = { method, name, durationMs, status, at };
    if (traceId !== undefined && traceId !== '') request.traceId = traceId;
    let index = this.slowest.length;
    while (index > 0 && (this.slowest[index - 1]?.durationMs ?? Infinity) < durationMs) index--;
    this.slowest.splice(index, 0, request);
    if (this.slowest.length > this.capacity) this.slowest.pop();
  }

  rows(): SlowRequest[] {
    return this.slowest.map(request => ({ ...request }));
  }

  merge(requests: SlowRequest[]): void {
    for (const r of requests) this.offer(r.method, r.name, r.durationMs, r.status, r.traceId, r.at);
  }
}

/** Messages longer than this are cut: an exception message can embed a whole response body. */
const MAX_MESSAGE_LENGTH = 1000;

/**
 * Exceptions thrown by scenario code, grouped by (message, where). At most `maxGroups` groups plus one
 * overflow group (message '(other errors)').
 */
export class IterationErrors {
  private readonly maxGroups: number;
  /** message → where ('' when unknown) → group. */
  private readonly groups = new Map<string, Map<string, IterationError>>();
  private groupCount = 0;
  private overflow: IterationError | undefined;

  constructor(maxGroups: number) {
    this.maxGroups = maxGroups;
  }

  add(message: string, where: string | undefined, count = 1): void {
    const text = message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
    const place = where ?? '';
    let byWhere = this.groups.get(text);
    const existing = byWhere?.get(place);
    if (existing !== undefined) {
      existing.count += count;
      return;
    }
    if (this.groupCount >= this.maxGroups) {
      (this.overflow ??= { message: OVERFLOW_ERROR, count: 0 }).count += count;
      return;
    }
    if (byWhere === undefined) this.groups.set(text, (byWhere = new Map()));
    const group: IterationError = where === undefined ? { message: text, count } : { message: text, where, count };
    byWhere.set(place, group);
    this.groupCount++;
  }

  get size(): number {
    return this.groupCount + (this.overflow === undefined ? 0 : 1);
  }

  /** Most frequent first; the overflow group (message '(other errors)', no `where`) last. */
  rows(): IterationError[] {
    const rows: IterationError[] = [];
    for (const byWhere of this.groups.values()) for (const group of byWhere.values()) rows.push({ ...group });
    rows.sort((a, b) => b.count - a.count);
    if (this.overflow !== undefined) rows.push({ ...this.overflow });
    return rows;
  }

  merge(errors: IterationError[]): void {
    for (const error of errors) {
      if (error.message === OVERFLOW_ERROR && error.where === undefined) {
        (this.overflow ??= { message: OVERFLOW_ERROR, count: 0 }).count += error.count;
      } else {
        this.add(error.message, error.where, error.count);
      }
    }
  }
}
