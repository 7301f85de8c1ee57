/**
 * One request's time along its critical path, as Jaeger UI computes a trace's critical path, over
 * the spans of one trace (pure: no clock, no I/O).
 *
 * A request is a CLIENT span of the load generator (it carries `loadlens.request.name`) with every
 * span below it, whatever service sent them. Walking back from the request's end: the child that
 * ends last is on the path, then the child that ended last before that one started, and so on; each
 * child on the path is walked the same way within its own window. A span's self time is the part of
 * its window that no child on the path covers. So two concurrent 10 ms calls count 10 ms, and the
 * self times of a request add up to its duration exactly.
 *
 * Clocks of different hosts disagree: a child is clamped to its parent's window (a server span that
 * starts 2 ms before its client span counts from the client's start). A span whose parent never
 * arrived is attached to the request it overlaps most in time (the nearest one when it overlaps
 * none) and counted as unparented.
 */
import {
  ATTR_ERROR_TYPE, ATTR_EXCEPTION_MESSAGE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_REQUEST_METHOD_ORIGINAL, ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import type { PartKind } from './types.ts';
import type { AttributeValue, ReceivedSpan } from '../spans.ts';

const KIND_SERVER = 2;
const KIND_CLIENT = 3;
// The engine's own names (src/engine/telemetry/attributes.ts, which shared code cannot import): the
// request's row, and the run (on the resource).
const ATTR_LOADLENS_REQUEST_NAME = 'loadlens.request.name';
const ATTR_LOADLENS_RUN_ID = 'loadlens.run.id';

/** What the breakdown keeps of a received span (a few hundred bytes less than the span). */
export interface SlimSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's wire number. */
  kind: number;
  service: string;
  /** Microseconds since the epoch (exact below 2^53 µs, i.e. until year 2255). */
  startUs: number;
  endUs: number;
  error: boolean;
  /** Why it failed (status message, exception event or `error.type`); '' when it did not. */
  message: string;
  /** Set on a request's CLIENT span: the stats row it belongs to. */
  request?: { method: string; name: string; runId: string };
}

function text(value: AttributeValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Nanoseconds since the epoch (a decimal string) as whole microseconds. */
function microsOf(nanos: string): number {
  return nanos.length <= 3 ? 0 : Number(nanos.slice(0, -3));
}

/** The fields the breakdown reads of a span, in plain numbers. */
export function slimSpan(span: ReceivedSpan): SlimSpan {
  const error = span.status.code === 2;
  let message = '';
  if (error) {
    const exception = span.events.find(event => event.name === 'exception');
    message = span.status.message || text(exception?.attributes[ATTR_EXCEPTION_MESSAGE]) || text(span.attributes[ATTR_ERROR_TYPE]) || '';
  }
  const slim: SlimSpan = {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    service: text(span.resource[ATTR_SERVICE_NAME]) || 'unknown_service',
    startUs: microsOf(span.startTimeUnixNano),
    endUs: microsOf(span.endTimeUnixNano),
    error,
    message,
  };
  const requestName = text(span.attributes[ATTR_LOADLENS_REQUEST_NAME]);
  if (span.kind === KIND_CLIENT && requestName !== undefined) {
    const method = text(span.attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL]) ?? text(span.attributes[ATTR_HTTP_REQUEST_METHOD]) ?? '';
    slim.request = { method, name: requestName, runId: text(span.resource[ATTR_LOADLENS_RUN_ID]) ?? '' };
  }
  return slim;
}

/** A request with the spans below it, as `splitTrace` finds them. */
export interface RequestTree {
  root: SlimSpan;
  /** Children by parent span id; the request's own list includes the orphans attached to it. */
  children: Map<string, SlimSpan[]>;
  /** Spans below the root whose parent never arrived (attached to this request). */
  unparented: number;
}

/**
 * The requests of one trace (several when a `group()` span holds them), each with the spans below
 * it. Spans under no request (a group's own span, spans of other traffic) belong to none. `spans`
 * must be of one trace, unique by span id.
 */
export function splitTrace(spans: ReadonlyMap<string, SlimSpan>): RequestTree[] {
  const requests = [...spans.values()].filter(span => span.request !== undefined);
  if (requests.length === 0) return [];
  const trees = new Map<string, RequestTree>(requests.map(root => [root.spanId, { root, children: new Map(), unparented: 0 }]));

  // The top of each span's chain of known parents: a request span, an orphan (its parent missing),
  // or a root outside any request. Memoized, so the whole trace is walked once.
  const topOf = new Map<string, SlimSpan>();
  const top = (span: SlimSpan): SlimSpan => {
    const chain: SlimSpan[] = [];
    const seen = new Set<string>();
    let current = span;
    let found: SlimSpan | undefined;
    for (;;) {
      const known = topOf.get(current.spanId);
      if (known !== undefined) { found = known; break; }
      chain.push(current);
      seen.add(current.spanId);
      const parent = current.request === undefined ? spans.get(current.parentSpanId) : undefined;
      // A cycle of parent ids (a malformed trace) makes the span where it closes the top.
      if (parent === undefined || seen.has(parent.spanId)) { found = current; break; }
      current = parent;
    }
    for (const link of chain) topOf.set(link.spanId, found);
    return found;
  };

  const add = (tree: RequestTree, parentId: string, child: SlimSpan) => {
    const list = tree.children.get(parentId);
    if (list === undefined) tree.children.set(parentId, [child]);
    else list.push(child);
  };
  for (const span of spans.values()) {
    if (span.request !== undefined) continue;
    const head = top(span);
    const tree = head.request !== undefined ? trees.get(head.spanId) : undefined;
    if (tree !== undefined) {
      add(tree, span.parentSpanId, span);
    } else if (head.parentSpanId !== '') {
      // An orphan's subtree (its head's parent never arrived, or a cycle of parent ids closes at the
      // head): it hangs on the request nearest in time.
      const target = nearestRequest(head, requests);
      const targetTree = trees.get(target.spanId)!;
      if (span === head) {
        add(targetTree, target.spanId, span);
        targetTree.unparented++;
      } else {
        add(targetTree, span.parentSpanId, span);
      }
    }
    // Else: below a root that is no request (a group's span, other traffic): not part of any request.
  }
  return [...trees.values()];
}

/** The request overlapping `span` most in time; when none overlaps, the one whose window is nearest. */
function nearestRequest(span: SlimSpan, requests: readonly SlimSpan[]): SlimSpan {
  let best = requests[0]!;
  let bestScore = -Infinity;
  for (const request of requests) {
    const overlap = Math.min(span.endUs, request.endUs) - Math.max(span.startUs, request.startUs);
    // A positive overlap beats any gap; a negative one is minus the gap between the two windows.
    if (overlap > bestScore) { best = request; bestScore = overlap; }
  }
  return best;
}

/** One span's self time on the critical path (µs). `network`: it is the load generator's own time. */
export interface CriticalSegment {
  span: SlimSpan;
  selfUs: number;
  network: boolean;
}

/** The part a span's self time counts in. */
export function partKindOf(kind: number, network: boolean): PartKind {
  if (network) return 'network';
  switch (kind) {
    case 2: return 'server';
    case 3: return 'client';
    case 4: return 'producer';
    case 5: return 'consumer';
    default: return 'internal';
  }
}

interface Window {
  span: SlimSpan;
  startUs: number;
  endUs: number;
}

/**
 * The spans on the request's critical path with their self times; their sum is the request's
 * duration. The request's CLIENT span and the load generator's spans below it that no SERVER span
 * holds (its `connect`) are `network`.
 */
export function criticalPath(tree: RequestTree): CriticalSegment[] {
  const { root, children } = tree;
  const segments: CriticalSegment[] = [];
  const visited = new Set<string>();
  const walk = (window: Window, network: boolean) => {
    visited.add(window.span.spanId);
    const kids: Window[] = [];
    for (const child of children.get(window.span.spanId) ?? []) {
      if (visited.has(child.spanId)) continue;
      const startUs = Math.max(child.startUs, window.startUs);
      const endUs = Math.min(child.endUs, window.endUs);
      if (endUs > startUs) kids.push({ span: child, startUs, endUs });
    }
    // Latest end first; of two ending together, the longer one (it covers more of the path).
    kids.sort((a, b) => b.endUs - a.endUs || a.startUs - b.startUs);
    let cursor = window.endUs;
    let selfUs = 0;
    for (const kid of kids) {
      if (cursor <= window.startUs) break;
      if (kid.endUs > cursor) continue; // overlaps the child already on the path: not on it
      selfUs += cursor - kid.endUs;
      const kidNetwork = network && kid.span.service === root.service && kid.span.kind !== KIND_SERVER;
      walk(kid, kidNetwork);
      cursor = kid.startUs;
    }
    selfUs += Math.max(0, cursor - window.startUs);
    segments.push({ span: window.span, selfUs, network });
  };
  walk({ span: root, startUs: root.startUs, endUs: Math.max(root.startUs, root.endUs) }, true);
  return segments;
}

/**
 * For a failed request (its CLIENT span in ERROR status), the deepest span in ERROR status below
 * it, the latest-ending of equally deep ones; the request's own span when none below failed.
 * undefined for a request that did not fail.
 */
export function rootCauseOf(tree: RequestTree): SlimSpan | undefined {
  if (!tree.root.error) return undefined;
  let best = tree.root;
  let bestDepth = 0;
  const seen = new Set<string>([tree.root.spanId]);
  let level: SlimSpan[] = [tree.root];
  for (let depth = 1; level.length > 0; depth++) {
    const next: SlimSpan[] = [];
    for (const span of level) {
      for (const child of tree.children.get(span.spanId) ?? []) {
        if (seen.has(child.spanId)) continue;
        seen.add(child.spanId);
        next.push(child);
        const deeper = depth > bestDepth || (depth === bestDepth && child.endUs > best.endUs);
        if (child.error && deeper) { best = child; bestDepth = depth; }
      }
    }
    level = next;
  }
  return best;
}

/** Every span of the request (its own first), each once. */
export function spansOf(tree: RequestTree): SlimSpan[] {
  const out: SlimSpan[] = [tree.root];
  const seen = new Set<string>([tree.root.spanId]);
  for (let i = 0; i < out.length; i++) {
    for (const child of tree.children.get(out[i]!.spanId) ?? []) {
      if (!seen.has(child.spanId)) { seen.add(child.spanId); out.push(child); }
    }
  }
  return out;
}
