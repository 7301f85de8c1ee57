import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildTraceLink, DEFAULT_TRACE_LINK_SETTINGS, parseTraceLinkSpec, runTimeRange, safeWebUrl, TraceLinkSettingError, traceLinkTemplate,
  type TraceLinkSettings, type TraceLinkTarget,
} from '../../src/shared/trace-link.ts';

const settings = (given: Partial<TraceLinkSettings>): TraceLinkSettings => ({ ...DEFAULT_TRACE_LINK_SETTINGS, ...given });
// 2026-11-29T02:40:00.000Z … 02:42:30.500Z
const target: TraceLinkTarget = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', startMs: 1795920000000, endMs: 1795920150500, service: 'loadlens', runId: 'run-7' };
const TRACE = target.traceId;

describe('trace links: the exact URL of every preset', () => {
  const cases: Array<[string, Partial<TraceLinkSettings>, string]> = [
    ['custom, every placeholder', { preset: 'custom', template: 'http://127.0.0.1:9000/trace/{traceId}?span={spanId}&from={startMs}&to={endMs}&service={service}&run={runId}' },
      `http://127.0.0.1:9000/trace/${TRACE}?span=00f067aa0ba902b7&from=1795920000000&to=1795920150500&service=loadlens&run=run-7`],
    ['jaeger (trailing slash of the base URL dropped)', { preset: 'jaeger', baseUrl: 'http://localhost:16686/' }, `http://localhost:16686/trace/${TRACE}`],
    ['tempo (Grafana Explore, panes JSON encoded as a whole)', { preset: 'tempo', baseUrl: 'http://localhost:3000', grafanaDatasource: 'tempo-uid' },
      'http://localhost:3000/explore?schemaVersion=1&panes=%7B%22loadlens%22%3A%7B%22datasource%22%3A%22tempo-uid%22%2C%22queries%22%3A%5B%7B%22refId%22%3A%22A%22%2C%22datasource%22%3A%7B%22type%22%3A%22tempo%22%2C%22uid%22%3A%22tempo-uid%22%7D%2C%22queryType%22%3A%22traceql%22%2C%22query%22%3A%22'
      + `${TRACE}%22%7D%5D%2C%22range%22%3A%7B%22from%22%3A%221795920000000%22%2C%22to%22%3A%221795920150500%22%7D%7D%7D`],
    ['honeycomb, environment, dataset from the service name, seconds', { preset: 'honeycomb', honeycombTeam: 'acme', honeycombEnvironment: 'load tests' },
      `https://ui.honeycomb.io/acme/environments/load%20tests/datasets/loadlens/trace?trace_id=${TRACE}&trace_start_ts=1795920000&trace_end_ts=1795920151`],
    ['honeycomb classic in the EU region, a named dataset', { preset: 'honeycomb', baseUrl: 'https://ui.eu1.honeycomb.io', honeycombTeam: 'acme', honeycombDataset: 'shop' },
      `https://ui.eu1.honeycomb.io/acme/datasets/shop/trace?trace_id=${TRACE}&trace_start_ts=1795920000&trace_end_ts=1795920151`],
    ['splunk', { preset: 'splunk', splunkRealm: 'us1' }, `https://app.us1.signalfx.com/#/apm/traces/${TRACE}`],
    ['datadog, default site', { preset: 'datadog' }, `https://app.datadoghq.com/apm/trace/${TRACE}`],
    ['datadog, EU site', { preset: 'datadog', datadogSite: 'datadoghq.eu' }, `https://app.datadoghq.eu/apm/trace/${TRACE}`],
    ['datadog, US5 site', { preset: 'datadog', datadogSite: 'us5.datadoghq.com' }, `https://us5.datadoghq.com/apm/trace/${TRACE}`],
    ['zipkin', { preset: 'zipkin', baseUrl: 'http://localhost:9411' }, `http://localhost:9411/zipkin/traces/${TRACE}`],
    ['signoz', { preset: 'signoz', baseUrl: 'http://localhost:8080' }, `http://localhost:8080/trace/${TRACE}`],
    ['elastic (Kibana in a space), ISO range', { preset: 'elastic', baseUrl: 'https://kibana.example.com/s/perf' },
      `https://kibana.example.com/s/perf/app/apm/link-to/trace/${TRACE}?rangeFrom=2026-11-29T02%3A40%3A00.000Z&rangeTo=2026-11-29T02%3A42%3A30.500Z`],
    ['aspire', { preset: 'aspire', baseUrl: 'http://localhost:18888' }, `http://localhost:18888/traces/detail/${TRACE}`],
  ];
  for (const [name, given, expected] of cases) {
    test(name, () => assert.equal(buildTraceLink(traceLinkTemplate(settings(given))!, target), expected));
  }

  test('embedded has no URL: Loadlens opens its own trace view', () => {
    assert.equal(traceLinkTemplate(settings({ preset: 'embedded', baseUrl: 'http://localhost:16686' })), undefined);
  });

  test("tempo's panes parameter decodes to the Explore state Grafana reads", () => {
    const url = new URL(buildTraceLink(traceLinkTemplate(settings({ preset: 'tempo', baseUrl: 'https://grafana.example.com/grafana', grafanaDatasource: 'a"b' }))!, target));
    assert.equal(url.pathname, '/grafana/explore');
    assert.deepEqual(JSON.parse(url.searchParams.get('panes')!), {
      loadlens: {
        datasource: 'a"b',
        queries: [{ refId: 'A', datasource: { type: 'tempo', uid: 'a"b' }, queryType: 'traceql', query: TRACE }],
        range: { from: '1795920000000', to: '1795920150500' },
      },
    });
  });

  test('a setting value that spells a placeholder stays text', () => {
    const template = traceLinkTemplate(settings({ preset: 'honeycomb', honeycombTeam: '{traceId}', honeycombDataset: 'x' }))!;
    assert.equal(buildTraceLink(template, target), `https://ui.honeycomb.io/%7BtraceId%7D/datasets/x/trace?trace_id=${TRACE}&trace_start_ts=1795920000&trace_end_ts=1795920151`);
  });
});

describe('trace links: a settings problem names the setting', () => {
  const cases: Array<[Partial<TraceLinkSettings>, string, RegExp]> = [
    [{ preset: 'tempo', grafanaDatasource: 'tempo' }, 'loadlens.otel.traceLink.baseUrl', /is empty; the 'tempo' preset needs your Grafana/],
    [{ preset: 'tempo', baseUrl: 'http://localhost:3000' }, 'loadlens.otel.traceLink.grafanaDatasource', /is empty/],
    [{ preset: 'jaeger', baseUrl: 'localhost:16686' }, 'loadlens.otel.traceLink.baseUrl', /must be an http:\/\/ or https:\/\/ URL \(got "localhost:16686"\)/],
    [{ preset: 'zipkin', baseUrl: 'http://localhost:9411/?x=1' }, 'loadlens.otel.traceLink.baseUrl', /without \? or #/],
    [{ preset: 'custom' }, 'loadlens.otel.traceLink.template', /is empty; the 'custom' preset needs a URL template/],
    [{ preset: 'custom', template: 'http://localhost:16686/search' }, 'loadlens.otel.traceLink.template', /must contain \{traceId\}/],
    [{ preset: 'custom', template: 'javascript:alert(1)//{traceId}' }, 'loadlens.otel.traceLink.template', /must be an http:\/\/ or https:\/\/ URL/],
    [{ preset: 'custom', template: 'java\tscript:alert(1)//{traceId}' }, 'loadlens.otel.traceLink.template', /must be an http:\/\/ or https:\/\/ URL/],
    [{ preset: 'honeycomb' }, 'loadlens.otel.traceLink.honeycombTeam', /is empty/],
    [{ preset: 'splunk' }, 'loadlens.otel.traceLink.splunkRealm', /is empty/],
    [{ preset: 'splunk', splunkRealm: 'us1.evil.com/x' }, 'loadlens.otel.traceLink.splunkRealm', /must be a realm name/],
    [{ preset: 'datadog', datadogSite: '' }, 'loadlens.otel.traceLink.datadogSite', /is empty/],
    [{ preset: 'datadog', datadogSite: 'evil.com/#' }, 'loadlens.otel.traceLink.datadogSite', /must be a site/],
  ];
  for (const [given, setting, message] of cases) {
    test(`${JSON.stringify(given)} → ${setting}`, () => {
      assert.throws(() => traceLinkTemplate(settings(given)), (error: unknown) => {
        assert.ok(error instanceof TraceLinkSettingError);
        assert.equal(error.setting, setting);
        assert.ok(error.message.startsWith(`${setting}: `), error.message);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

describe('trace links: only http(s) URLs are links', () => {
  const cases: Array<[string, boolean]> = [
    ['http://localhost:16686/trace/abc', true],
    ['HTTPS://grafana.example.com/explore', true],
    ['javascript:alert(1)', false],
    ['java\tscript:alert(1)', false],
    ['java\nscript:alert(1)', false],
    ['\u0000javascript:alert(1)', false],
    [' \u0001javascript:alert(1)', false],
    ['JaVaScRiPt:alert(1)', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['vbscript:msgbox(1)', false],
    ['file:///etc/passwd', false],
    ['//evil.example/x', false],
    ['/relative/path', false],
  ];
  for (const [url, ok] of cases) test(`${JSON.stringify(url)} → ${ok ? 'link' : 'text'}`, () => assert.equal(safeWebUrl(url), ok ? url : undefined));
});

test('trace links: the run time range is the run padded by a minute, to now while it runs', () => {
  assert.deepEqual(runTimeRange(1_000_000, 2_000_000, 9_999_999), { startMs: 940_000, endMs: 2_060_000 });
  assert.deepEqual(runTimeRange(1_000_000, undefined, 1_500_000), { startMs: 940_000, endMs: 1_560_000 });
  assert.deepEqual(runTimeRange(Number.NaN, undefined, 1_500_000), {});
});

describe('trace links: the CLI spec', () => {
  const cases: Array<[string, Partial<TraceLinkSettings>]> = [
    ['http://127.0.0.1:16686/trace/{traceId}', { preset: 'custom', template: 'http://127.0.0.1:16686/trace/{traceId}' }],
    ['jaeger:baseUrl=http://localhost:16686', { preset: 'jaeger', baseUrl: 'http://localhost:16686' }],
    ['tempo:baseUrl=http://localhost:3000,grafanaDatasource=tempo', { preset: 'tempo', baseUrl: 'http://localhost:3000', grafanaDatasource: 'tempo' }],
    ['honeycomb:honeycombTeam=acme, honeycombEnvironment=test', { preset: 'honeycomb', honeycombTeam: 'acme', honeycombEnvironment: 'test' }],
    ['datadog', { preset: 'datadog' }],
    ['embedded', { preset: 'embedded' }],
    ['custom:template=http://x.example/?a=b&t={traceId}', { preset: 'custom', template: 'http://x.example/?a=b&t={traceId}' }],
  ];
  for (const [spec, expected] of cases) test(spec, () => assert.deepEqual(parseTraceLinkSpec(spec), settings(expected)));

  test('an unknown key names --trace-link', () => {
    assert.throws(() => parseTraceLinkSpec('zipkin:url=http://localhost:9411'), (error: unknown) => error instanceof TraceLinkSettingError && error.setting === '--trace-link' && /'url=http:\/\/localhost:9411' is not key=value/.test(error.message));
  });
});
