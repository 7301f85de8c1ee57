/**
 * The OTLP v1 protobuf messages the receiver decodes, as a string constant parsed by protobufjs at
 * first use. A string (not a `.proto` file read at run time) so it survives esbuild bundling.
 *
 * Every field number and wire type is copied from opentelemetry-proto (common/v1/common.proto,
 * resource/v1/resource.proto, trace/v1/trace.proto, metrics/v1/metrics.proto, logs/v1/logs.proto,
 * collector/{trace,metrics,logs}/v1/*_service.proto) and google/rpc/status.proto. Fields the
 * receiver does not read are left out: protobufjs skips unknown fields, so omitting one changes
 * nothing on the wire. All messages share one package; the names are local, the numbers are not.
 */
import protobuf from 'protobufjs';

const OTLP_PROTO = `
syntax = "proto3";
package loadlens.otlp;

// common/v1/common.proto
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}

// resource/v1/resource.proto
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}

// trace/v1/trace.proto
message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status {
  string message = 2;
  int32 code = 3;
}

// metrics/v1/metrics.proto
message ResourceMetrics {
  Resource resource = 1;
  repeated ScopeMetrics scope_metrics = 2;
  string schema_url = 3;
}
message ScopeMetrics {
  InstrumentationScope scope = 1;
  repeated Metric metrics = 2;
  string schema_url = 3;
}
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
    Summary summary = 11;
  }
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum {
  repeated NumberDataPoint data_points = 1;
  int32 aggregation_temporality = 2;
  bool is_monotonic = 3;
}
message Histogram {
  repeated HistogramDataPoint data_points = 1;
  int32 aggregation_temporality = 2;
}
message ExponentialHistogram {
  repeated ExponentialHistogramDataPoint data_points = 1;
  int32 aggregation_temporality = 2;
}
message Summary { repeated SummaryDataPoint data_points = 1; }
message NumberDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value {
    double as_double = 4;
    sfixed64 as_int = 6;
  }
  repeated Exemplar exemplars = 5;
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  repeated Exemplar exemplars = 8;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message ExponentialHistogramDataPoint {
  repeated KeyValue attributes = 1;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  sint32 scale = 6;
  fixed64 zero_count = 7;
  message Buckets {
    sint32 offset = 1;
    repeated uint64 bucket_counts = 2;
  }
  Buckets positive = 8;
  Buckets negative = 9;
  uint32 flags = 10;
  repeated Exemplar exemplars = 11;
  optional double min = 12;
  optional double max = 13;
  double zero_threshold = 14;
}
message SummaryDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  double sum = 5;
  message ValueAtQuantile {
    double quantile = 1;
    double value = 2;
  }
  repeated ValueAtQuantile quantile_values = 6;
  uint32 flags = 8;
}
message Exemplar {
  repeated KeyValue filtered_attributes = 7;
  fixed64 time_unix_nano = 2;
  oneof value {
    double as_double = 3;
    sfixed64 as_int = 6;
  }
  bytes span_id = 4;
  bytes trace_id = 5;
}

// logs/v1/logs.proto: only the nesting, the receiver counts log records.
message ResourceLogs {
  Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
}
message ScopeLogs {
  InstrumentationScope scope = 1;
  repeated LogRecord log_records = 2;
}
message LogRecord {
  fixed64 time_unix_nano = 1;
  string severity_text = 3;
}

// collector/{trace,metrics,logs}/v1/*_service.proto
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }

// google/rpc/status.proto: the body of an OTLP/HTTP error response.
message RpcStatus {
  int32 code = 1;
  string message = 2;
}
`;

/** The protobufjs types the receiver uses, looked up once. */
export interface OtlpTypes {
  traceRequest: protobuf.Type;
  metricsRequest: protobuf.Type;
  logsRequest: protobuf.Type;
  rpcStatus: protobuf.Type;
}

let types: OtlpTypes | undefined;

/** Parses the schema on first call (a few ms) and returns the same types afterwards. */
export function otlpTypes(): OtlpTypes {
  if (types === undefined) {
    const root = protobuf.parse(OTLP_PROTO).root;
    types = {
      traceRequest: root.lookupType('loadlens.otlp.ExportTraceServiceRequest'),
      metricsRequest: root.lookupType('loadlens.otlp.ExportMetricsServiceRequest'),
      logsRequest: root.lookupType('loadlens.otlp.ExportLogsServiceRequest'),
      rpcStatus: root.lookupType('loadlens.otlp.RpcStatus'),
    };
  }
  return types;
}
