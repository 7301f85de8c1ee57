/**
 * The names Loadlens's spans, metrics and resource use, in one place: OpenTelemetry's semantic
 * conventions from `@opentelemetry/semantic-conventions` (stable ones from its main entry, so a
 * renamed convention is a compile error here rather than a silently different attribute), and
 * Loadlens's own `loadlens.*` names.
 *
 * `http.response.body.size` is still incubating. Its constant comes from the package's `/incubating`
 * entry; esbuild keeps only the constants used (the engine bundle grows by a few bytes, not by the
 * entry's 280 KB).
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_FULL,
  HTTP_REQUEST_METHOD_VALUE_OTHER,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  NETWORK_TRANSPORT_VALUE_TCP,
} from '@opentelemetry/semantic-conventions';
export { ATTR_HTTP_RESPONSE_BODY_SIZE } from '@opentelemetry/semantic-conventions/incubating';

/** The request's name (`name:` in the scenario, else its path): one stats row, one metric series. */
export const ATTR_LOADLENS_REQUEST_NAME = 'loadlens.request.name';
/** The scenario's export name. */
export const ATTR_LOADLENS_SCENARIO = 'loadlens.scenario';
/** The scenario file (resource). */
export const ATTR_LOADLENS_SCENARIO_FILE = 'loadlens.scenario.file';
/** The virtual user that made the request (1-based). */
export const ATTR_LOADLENS_USER_ID = 'loadlens.user.id';
/** The run (resource and baggage): new for every run, so one run's telemetry is told from every other's. */
export const ATTR_LOADLENS_RUN_ID = 'loadlens.run.id';
/**
 * The shard of a run split across processes or pods (`--shard i/N`), written "i/N" (resource, spans
 * and metric points): beside the shared run id, it tells the shards' telemetry apart, and keeps their
 * cumulative metric series from colliding in a backend that keys series by attributes alone.
 */
export const ATTR_LOADLENS_SHARD = 'loadlens.shard';
/** A connect span's phases, in ms (undici publishes none, so these are Loadlens's own). */
export const ATTR_LOADLENS_CONNECT_DNS_MS = 'loadlens.connect.dns_ms';
export const ATTR_LOADLENS_CONNECT_TCP_MS = 'loadlens.connect.tcp_ms';
export const ATTR_LOADLENS_CONNECT_TLS_MS = 'loadlens.connect.tls_ms';

/** Loadlens's own metrics, beside the convention's `http.client.request.duration`. */
export const METRIC_LOADLENS_TIME_TO_FIRST_BYTE = 'loadlens.http.client.time_to_first_byte';
export const METRIC_LOADLENS_CONNECT_DURATION = 'loadlens.http.client.connect.duration';
export const METRIC_LOADLENS_USERS_ACTIVE = 'loadlens.users.active';
