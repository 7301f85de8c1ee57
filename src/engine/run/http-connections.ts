/**
 * Where a virtual user's requests go and on what: URLs resolved against the scenario's host (a path
 * stays on it), and the user's own connections, one undici Client per origin, with a connector that
 * times DNS, TCP and TLS.
 */
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { buildConnector, Client, type Dispatcher } from 'undici';
import type { RequestOptions } from '../api/types.ts';
import { kConnectInfo, type InFlightRequest, type TaggedSocket } from './http-request.ts';
import { DEFAULT_MAX_HEADER_BYTES } from '../scenario/http-defaults.ts';


/** What the connections of a run's users share: limits and TLS. */
export interface ConnectionOptions {
  /** Largest response header section accepted; default {@link DEFAULT_MAX_HEADER_BYTES}. */
  maxHeaderBytes?: number;
  /** Options for each TLS connection (built once per run by {@link tlsConnectOptions}). */
  tls?: TlsConnectOptions;
}

export interface TlsConnectOptions {
  rejectUnauthorized: boolean;
  /** Node's root certificates plus the run's CA file, parsed once for every connection. */
  secureContext?: tls.SecureContext;
}

/**
 * A run's TLS options: certificates are verified against Node's roots (and NODE_EXTRA_CA_CERTS) plus
 * `ca` (the PEM text of the run's CA file) when given; `insecureSkipVerify` turns verification off.
 * Throws when `ca` holds no usable certificate.
 */
export function tlsConnectOptions(settings: { insecureSkipVerify: boolean; ca?: string }): TlsConnectOptions {
  if (settings.ca === undefined) return { rejectUnauthorized: !settings.insecureSkipVerify };
  if (!/-----BEGIN CERTIFICATE-----/.test(settings.ca)) throw new Error('holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  // Node's default roots stay trusted: `ca` alone would replace them.
  const secureContext = tls.createSecureContext({ ca: [...tls.rootCertificates, settings.ca] });
  return { rejectUnauthorized: !settings.insecureSkipVerify, secureContext };
}

/**
 * Wraps undici's connector to time DNS, TCP and TLS on each new socket. undici publishes no DNS/TCP/TLS
 * events, so the phases come from the socket's own `lookup`, `connect` and `secureConnect` events.
 */
function timedConnector(timeoutMs: number, tlsOptions: TlsConnectOptions | undefined): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, ...tlsOptions });
  return (options, callback) => {
    const startedAt = performance.now();
    let lookupAt = 0;
    let connectAt = 0;
    const socket = connect(options, (error, connected) => {
      if (error || !connected) return callback(error ?? new Error('connect failed'), null);
      const doneAt = performance.now();
      const tcpEnd = connectAt || doneAt;
      (connected as TaggedSocket)[kConnectInfo] = {
        startedAt,
        dnsMs: lookupAt ? lookupAt - startedAt : 0,
        tcpMs: tcpEnd - (lookupAt || startedAt),
        tlsMs: connectAt && options.protocol === 'https:' ? doneAt - connectAt : 0,
        totalMs: doneAt - startedAt,
        claimed: false,
      };
      callback(null, connected);
    }) as Socket | undefined;
    socket?.prependOnceListener('lookup', () => { lookupAt = performance.now(); });
    socket?.prependOnceListener('connect', () => { connectAt = performance.now(); });
  };
}

/**
 * A user's connections: one undici Client per origin, each one keep-alive connection (pipelining 1).
 * Requests a user sends in parallel to one origin queue on it. A Client rather than an Agent (Agent →
 * Pool → Client): with thousands of users the Agent and Pool layers cost memory per user and time per
 * request; and a Pool allowed more connections would open a second one whenever the user's next request
 * came before undici reuses the first (it waits one event-loop turn), then alternate between them.
 */
export class UserConnections {
  private readonly clients = new Map<string, Client>();
  private readonly connect: buildConnector.connector;
  private readonly maxHeaderSize: number;

  constructor(timeoutMs: number, options: ConnectionOptions = {}) {
    this.connect = timedConnector(timeoutMs, options.tls);
    this.maxHeaderSize = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  }

  /** Queues the request on the user's connection to its origin, noting whether others were ahead of it. */
  dispatch(url: URL, options: Omit<Dispatcher.DispatchOptions, 'origin'>, handler: InFlightRequest): void {
    let client = this.clients.get(url.origin);
    if (!client) {
      client = new Client(url.origin, { connect: this.connect, keepAliveTimeout: 30_000, pipelining: 1, maxHeaderSize: this.maxHeaderSize });
      this.clients.set(url.origin, client);
    }
    // A request to an idle client waits only for the connection; one sent while others are under way waits behind them.
    if (client.stats.size > 0) handler.queuedBehind = true;
    client.dispatch(options as Dispatcher.DispatchOptions, handler);
  }

  async close(): Promise<void> {
    // A client destroyed meanwhile (the stop cancelled it) rejects close() with ClientDestroyedError: it is closed.
    await Promise.all([...this.clients.values()].map(c => c.close().catch(() => undefined)));
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.clients.values()].map(c => c.destroy().catch(() => undefined)));
  }
}

/**
 * Parsed URLs of the paths a user requests, so a loop over the same few paths parses each once. The
 * URLs are shared: never mutate one. Bounded: a scenario with endless distinct paths starts over.
 */
export class TargetCache {
  private readonly base: URL;
  private readonly urls = new Map<string, URL>();
  /** The request line's path of each URL, built once. */
  private readonly paths = new WeakMap<URL, string>();

  constructor(base: URL) {
    this.base = base;
  }

  resolve(path: string): URL {
    let url = this.urls.get(path);
    if (url === undefined) {
      if (this.urls.size >= 256) this.urls.clear();
      url = resolveUrl(this.base, path);
      this.urls.set(path, url);
    }
    return url;
  }

  requestPath(url: URL): string {
    let path = this.paths.get(url);
    if (path === undefined) {
      path = url.pathname + url.search;
      this.paths.set(url, path);
    }
    return path;
  }
}

/** An absolute URL: the scheme's `//` is what makes a request leave the scenario's host. */
const ABSOLUTE_URL = /^https?:\/\//i;
/** A scheme at the start (`localhost:8080/x`, `ftp:`): the URL parser would read it as a URL of its own. */
const SCHEME = /^[a-z][a-z\d+.-]*:/i;
/** What the URL parser drops from the start of its input (C0 controls and space). */
const LEADING_IGNORED = /^[\u0000-\u0020]+/;

/**
 * Resolves a scenario path against the scenario's host, keeping the host's path prefix
 * (host 'http://h/api' and '/users' give 'http://h/api/users'). A path is a path: one starting with
 * `//` or `/\` stays on the host (the URL parser would read it as another host); only an absolute
 * 'http://' or 'https://' URL goes elsewhere, as written.
 */
export function resolveUrl(base: URL, path: string, query?: RequestOptions['query']): URL {
  let url: URL;
  if (ABSOLUTE_URL.test(path)) url = new URL(path);
  else {
    const relative = path.replace(LEADING_IGNORED, '');
    if (SCHEME.test(relative)) {
      throw new TypeError(`${JSON.stringify(path)} reads as a URL of its own (scheme '${relative.slice(0, relative.indexOf(':') + 1)}'): write '/${relative}' for a path on the host, or a full 'http://' URL`);
    }
    if (relative.startsWith('/') || relative.startsWith('\\')) {
      // Spelled out after the host: whatever the path starts with, it cannot become an authority.
      url = new URL(`${base.protocol}//${base.host}${base.pathname.replace(/\/$/, '')}${relative}`);
      url.username = base.username;
      url.password = base.password;
    } else {
      // No leading slash and no scheme: relative resolution keeps the host.
      url = new URL(relative, base);
    }
  }
  if (query) for (const [k, v] of Object.entries(query)) url.searchParams.append(k, String(v));
  return url;
}

