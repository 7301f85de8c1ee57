// The defaults of the scenario's HTTP options: the run's options resolve them (run-options.ts) and the
// HTTP client falls back on them (src/engine/run/http*.ts).

/**
 * Default cap on a response body kept in memory: 4 MiB. Bodies beyond it are still read to the end
 * (timed and counted in bytes) but not kept, so 8 users reading 200 MB bodies stay within tens of MB.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Default limit on a response's header section: 64 KiB, four times Node's 16 KiB, which real
 * services exceed (large cookies, long CSP or link headers) and would fail as UND_ERR_HEADERS_OVERFLOW.
 */
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;

/** Redirects a request follows by default, as k6 and browsers do; `redirects: 0` returns the 3xx itself. */
export const DEFAULT_REDIRECTS = 10;
