import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { between, constant, constantPacing } from '../../src/engine/api/index.ts';
import type { ThresholdCheck } from '../../src/engine/scenario/option-problems.ts';
import { resolveRunOptions, RunOptionsError, type ResolvedRunOptions } from '../../src/engine/scenario/run-options.ts';
import { validateScenarioOptions } from '../../src/engine/scenario/validate.ts';
import { locateOption } from '../../src/shared/scenario-locator.ts';
import type { RunOverrides } from '../../src/shared/run.ts';
import type { ScenarioOptions } from '../../src/engine/api/types.ts';

const CALL_SITE = { file: '/work/shop.load.ts', line: 3, column: 23 };
const DURATION_HINT = "use a number of seconds or e.g. '30s', '10m', '1h'";

/** The messages only, in the order reported (no source text: every diagnostic sits at the call site). */
function messages(options: unknown, checkThreshold?: ThresholdCheck): string[] {
  const diagnostics = validateScenarioOptions(options, CALL_SITE, undefined, { checkThreshold });
  for (const d of diagnostics) assert.deepEqual([d.file, d.line, d.column], [CALL_SITE.file, CALL_SITE.line, CALL_SITE.column]);
  return diagnostics.map(d => d.message);
}

describe('validateScenarioOptions: what is wrong', () => {
  const cases: [title: string, options: unknown, expected: string[]][] = [
    ['valid options of the closed model', {
      host: 'https://shop.example:8443/api', users: 500, spawnRate: 0.5, runTime: '1h', wait: between(1, 3),
      thresholds: { p95: '< 300ms' }, onStart: () => {}, onStop: async () => {}, gracefulStop: 0, timeout: '2s',
    }, []],
    ['valid stages', { stages: [{ duration: '30s', target: 10 }, { duration: 0, target: 0 }] }, []],
    ['valid open model', { arrivalRate: 20, maxUsers: 100, wait: constantPacing(1) }, []],
    ['options that are not an object', 'users=10', ["scenario options must be an object such as { users: 10, runTime: '1m' }, got 'users=10'"]],
    ['a misspelt option', { spawnrate: 5 }, ["unknown option 'spawnrate': did you mean 'spawnRate'?"]],
    ['transposed letters', { suers: 5 }, ["unknown option 'suers': did you mean 'users'?"]],
    ["k6's name for users", { vus: 10 }, ["unknown option 'vus': did you mean 'users'?"]],
    ["k6's name for the run time", { duration: '1m' }, ["unknown option 'duration': did you mean 'runTime'?"]],
    ['an option nothing is close to', { colour: 'red' }, [
      "unknown option 'colour': the options are host, users, spawnRate, runTime, stages, arrivalRate, maxUsers, wait, thresholds, onStart, onStop, gracefulStop, timeout, maxBodyBytes, redirects, maxHeaderBytes, insecureSkipTLSVerify, caFile",
    ]],
    ['users not an integer', { users: 1.5 }, ['users: must be a positive integer, got 1.5']],
    ['users as text', { users: '10' }, ["users: must be a positive integer, got '10'"]],
    ['zero users', { users: 0 }, ['users: must be a positive integer, got 0']],
    ['a spawn rate of 0', { spawnRate: 0 }, ['spawnRate: must be a number of users per second above 0, got 0']],
    ['bad durations', { runTime: '10x', gracefulStop: -1, timeout: '0s' }, [
      `runTime: '10x' is not a duration: ${DURATION_HINT}`,
      `gracefulStop: -1 is not a duration: ${DURATION_HINT}`,
      "timeout: must be longer than 0, got '0s'",
    ]],
    ['a run time of 0', { runTime: 0 }, ['runTime: must be longer than 0, got 0']],
    ['a host without a scheme', { host: 'localhost:8080' }, [
      "host: must be an http:// or https:// URL such as 'http://127.0.0.1:8080', got 'localhost:8080'",
    ]],
    ['a host of another scheme', { host: 'ftp://files.example' }, [
      "host: must be an http:// or https:// URL such as 'http://127.0.0.1:8080', got 'ftp://files.example'",
    ]],
    ['empty stages', { stages: [] }, [
      "stages: must be a non-empty list of { duration, target }, e.g. [{ duration: '1m', target: 50 }], got a list",
    ]],
    ['every stage problem', { stages: [{ duration: '1m', target: -1 }, { duration: '1x', target: 5 }, { target: 3 }, { duration: '1m', users: 5 }, 7] }, [
      'stages[0].target: must be an integer >= 0, got -1',
      `stages[1].duration: '1x' is not a duration: ${DURATION_HINT}`,
      "stages[2].duration: missing: how long this stage ramps, e.g. '30s'",
      "stages[3]: unknown field 'users': did you mean 'target'?",
      'stages[3].target: missing: the number of users at the end of this stage',
      'stages[4]: must be { duration, target }, got 7',
    ]],
    ['an arrival rate without a cap on users', { arrivalRate: 10 }, [
      'maxUsers: missing: the open model (arrivalRate) needs a cap on concurrent users, e.g. maxUsers: 100',
    ]],
    ['a bad arrival rate and cap', { arrivalRate: 0, maxUsers: 0.5 }, [
      'arrivalRate: must be a number of iterations per second above 0, got 0',
      'maxUsers: must be a positive integer, got 0.5',
    ]],
    ['stages with an arrival rate', { stages: [{ duration: '1m', target: 5 }], arrivalRate: 5, maxUsers: 10 }, [
      'stages and arrivalRate cannot be combined: stages ramp a number of users (closed model), arrivalRate starts iterations at a fixed rate (open model)',
    ]],
    ['a cap on users without an arrival rate', { users: 5, maxUsers: 10 }, [
      'maxUsers: only applies with arrivalRate (the open model); set users for a fixed number of users',
    ]],
    ['a wait with min above max', { wait: between(3, 1) }, ['wait: between(3, 1): the minimum is above the maximum']],
    ['a negative wait', { wait: constant(-1) }, ['wait: constant(seconds) takes seconds >= 0 and at most 2147483.647 (what timers hold), got constant(-1)']],
    ['a wait longer than timers hold', { wait: constant(3_000_000) }, ['wait: constant(seconds) takes seconds >= 0 and at most 2147483.647 (what timers hold), got constant(3000000)']],
    ['a runTime longer than timers hold', { runTime: '600h' }, ["runTime: '600h' is longer than the engine's timers can hold; the longest is 596h31m24s (about 24.8 days)"]],
    ['a maxBodyBytes that is not a whole number', { maxBodyBytes: 1.5 }, ['maxBodyBytes: must be a positive whole number of bytes, e.g. 16_000_000, got 1.5']],
    ['a wait written as a number', { wait: 2 }, [
      'wait: must be between(min, max), constant(seconds) or constantPacing(seconds), got 2 (did you mean constant(2)?)',
    ]],
    ['thresholds as one string', { thresholds: 'p95 < 300ms' }, [
      "thresholds: must be an object such as { p95: '< 300ms', errorRate: '< 1%' }, got 'p95 < 300ms'",
    ]],
    ['a threshold that is a number', { thresholds: { p95: 300 } }, [
      "thresholds['p95']: must be a condition string such as '< 300ms', got 300",
    ]],
    ['a hook that is not a function', { onStart: 'login' }, [
      "onStart: must be a function such as async ({ http }) => { ... }, got 'login'",
    ]],
  ];
  for (const [title, options, expected] of cases) {
    test(title, () => assert.deepEqual(messages(options), expected));
  }

  test('the threshold hook adds its errors, prefixed with the key', () => {
    const seen: [string, string][] = [];
    const checkThreshold: ThresholdCheck = (expression, condition) => {
      seen.push([expression, condition]);
      return expression === 'p95' ? undefined : `unknown metric '${expression}'`;
    };
    assert.deepEqual(messages({ thresholds: { p95: '< 300ms', latency: '< 1s' } }, checkThreshold), ["thresholds['latency']: unknown metric 'latency'"]);
    assert.deepEqual(seen, [['p95', '< 300ms'], ['latency', '< 1s']]);
  });
});

describe('validateScenarioOptions: where it is', () => {
  // The call site is where V8 puts `scenario(`: line 3, column 23 here.
  const source = [
    "import { scenario, between } from 'loadlens';",
    '',
    'export const shopper = scenario({',
    "  host: 'http://127.0.0.1:8080', // users: 0 in a comment is not the option",
    "  note: 'users: 1, { not a key }',",
    '  stages: [',
    "    { duration: '1m', target: 10 },",
    "    { duration: '2m', target: -5 },",
    '  ],',
    '  thresholds: {',
    "    'p99{name:/checkout}': 300,",
    '  },',
    '  wait: between(3, 1),',
    '}, async ({ http }) => {',
    "  await http.get('/', { users: 0 });",
    '});',
  ].join('\n');
  const options = {
    host: 'http://127.0.0.1:8080',
    note: 'users: 1, { not a key }',
    stages: [{ duration: '1m', target: 10 }, { duration: '2m', target: -5 }],
    thresholds: { 'p99{name:/checkout}': 300 },
    wait: between(3, 1),
  };

  test('each diagnostic sits at its property, sorted by position', () => {
    const at = validateScenarioOptions(options, CALL_SITE, source).map(d => `${d.line}:${d.column}: ${d.message}`);
    assert.deepEqual(at, [
      "5:3: unknown option 'note': the options are host, users, spawnRate, runTime, stages, arrivalRate, maxUsers, wait, thresholds, onStart, onStop, gracefulStop, timeout, maxBodyBytes, redirects, maxHeaderBytes, insecureSkipTLSVerify, caFile",
      '8:23: stages[1].target: must be an integer >= 0, got -5',
      "11:5: thresholds['p99{name:/checkout}']: must be a condition string such as '< 300ms', got 300",
      '13:3: wait: between(3, 1): the minimum is above the maximum',
    ]);
  });

  const located: [title: string, path: (string | number)[], expected: { line: number; column: number } | undefined][] = [
    ['a top-level key', ['wait'], { line: 13, column: 3 }],
    ['a key not written falls back to nothing', ['users'], undefined],
    ['an array element', ['stages', 1], { line: 8, column: 5 }],
    ['a key inside an array element', ['stages', 0, 'target'], { line: 7, column: 23 }],
    ['the deepest part found', ['stages', 1, 'ramp'], { line: 8, column: 5 }],
    ['a quoted key', ['thresholds', 'p99{name:/checkout}'], { line: 11, column: 5 }],
  ];
  for (const [title, path, expected] of located) {
    test(`locateOption: ${title}`, () => assert.deepEqual(locateOption(source, CALL_SITE, path), expected));
  }

  const callSites: [title: string, text: string, expected: { line: number; column: number } | undefined][] = [
    ['a namespace import and type arguments', 'const s = loadlens.scenario<Ctx>(\n  /* options */ { a: 1, users: 0 }, fn);', { line: 2, column: 25 }],
    ['template literals and nested values before the key', 'scenario({ a: `x${ {users: 1}.users }`, b: [1, { users: 2 }], users: 0 }, fn)', { line: 1, column: 63 }],
    ['a repeated key: the last one, as JavaScript keeps', 'scenario({ users: 1, users: 0 }, fn)', { line: 1, column: 22 }],
    ['options built elsewhere', 'scenario(shared, fn)', undefined],
    ['shorthand properties', 'scenario({ host, users }, fn)', { line: 1, column: 18 }],
  ];
  for (const [title, text, expected] of callSites) {
    test(`locateOption: ${title}`, () => {
      const column = text.startsWith('const') ? 11 : 1;
      assert.deepEqual(locateOption(text, { line: 1, column }, ['users']), expected);
    });
  }

  test('without a literal to scan, every diagnostic is at the call site', () => {
    const diagnostics = validateScenarioOptions({ users: 0 }, CALL_SITE, 'export const s = scenario(shared, fn);');
    assert.deepEqual(diagnostics, [{ ...CALL_SITE, message: 'users: must be a positive integer, got 0' }]);
  });
});

describe('resolveRunOptions', () => {
  const base: ResolvedRunOptions = {
    host: undefined,
    load: { kind: 'closed', users: 1, spawnRate: 1 },
    runTimeMs: 30_000,
    wait: { kind: 'none' },
    gracefulStopMs: 5_000,
    timeoutMs: 30_000,
    thresholds: {},
    maxBodyBytes: 4 * 1024 * 1024,
    redirects: 10,
    maxHeaderBytes: 64 * 1024,
    tls: { insecureSkipVerify: false },
  };
  const stages = [{ duration: '1m', target: 10 }, { duration: '30s', target: 0 }];
  const cases: [title: string, options: ScenarioOptions, overrides: RunOverrides, expected: Partial<ResolvedRunOptions>][] = [
    ['defaults', {}, {}, {}],
    ['all users start within the first second', { users: 10 }, {}, { load: { kind: 'closed', users: 10, spawnRate: 10 } }],
    ['every option in ms and per second', {
      host: 'http://127.0.0.1:8080', users: 500, spawnRate: 0.5, runTime: '1h', wait: between(1, 3),
      gracefulStop: '10s', timeout: 2, thresholds: { p95: '< 300ms' },
    }, {}, {
      host: 'http://127.0.0.1:8080', load: { kind: 'closed', users: 500, spawnRate: 0.5 }, runTimeMs: 3_600_000,
      wait: { kind: 'between', minMs: 1_000, maxMs: 3_000 }, gracefulStopMs: 10_000, timeoutMs: 2_000, thresholds: { p95: '< 300ms' },
    }],
    ['constant and pacing waits', { wait: constant(0.5) }, {}, { wait: { kind: 'constant', ms: 500 } }],
    ['stages last their sum', { stages }, {}, {
      load: { kind: 'stages', stages: [{ durationMs: 60_000, target: 10 }, { durationMs: 30_000, target: 0 }] }, runTimeMs: 90_000,
    }],
    ['--run-time cuts stages', { stages }, { runTime: '45s' }, {
      load: { kind: 'stages', stages: [{ durationMs: 60_000, target: 10 }, { durationMs: 30_000, target: 0 }] }, runTimeMs: 45_000,
    }],
    ['--users replaces stages with that many users', { stages, spawnRate: 2 }, { users: '5' }, { load: { kind: 'closed', users: 5, spawnRate: 2 } }],
    ['the open model', { arrivalRate: 20, maxUsers: 50 }, {}, { load: { kind: 'open', arrivalRate: 20, maxUsers: 50 } }],
    ['flags win over the scenario', { host: 'http://127.0.0.1:8080', users: 500, spawnRate: 5, runTime: '1h' },
      { users: '20', spawnRate: '2.5', runTime: '1m', host: 'https://staging.example' },
      { host: 'https://staging.example', load: { kind: 'closed', users: 20, spawnRate: 2.5 }, runTimeMs: 60_000 }],
    ['numbers from settings, an empty host meaning none', { host: 'http://127.0.0.1:8080' }, { users: 3, host: '' },
      { host: 'http://127.0.0.1:8080', load: { kind: 'closed', users: 3, spawnRate: 3 } }],
  ];
  for (const [title, options, overrides, expected] of cases) {
    test(title, () => assert.deepEqual(resolveRunOptions(options, overrides), { ...base, ...expected }));
  }

  const failures: [title: string, options: ScenarioOptions, overrides: RunOverrides, problems: string[]][] = [
    ['every bad flag, named', {}, { users: 'abc', spawnRate: '0', runTime: '10x', host: 'staging' }, [
      "--users: must be a positive integer, got 'abc'",
      "--spawn-rate: must be a number of users per second above 0, got '0'",
      `--run-time: '10x' is not a duration: ${DURATION_HINT}`,
      "--host: must be an http:// or https:// URL such as 'http://127.0.0.1:8080', got 'staging'",
    ]],
    ['text that Number() would accept', {}, { users: '0x10', spawnRate: ' ' }, [
      "--users: must be a positive integer, got '0x10'",
      "--spawn-rate: must be a number of users per second above 0, got ' '",
    ]],
    ['a spawn rate alone for a ramp', { stages }, { spawnRate: 2 }, [
      '--spawn-rate: applies to a fixed number of users, but the scenario uses stages: pass --users too',
    ]],
    ['invalid scenario options', { users: 0, runTime: '0s' } as ScenarioOptions, { users: -1 }, [
      'users: must be a positive integer, got 0',
      "runTime: must be longer than 0, got '0s'",
      '--users: must be a positive integer, got -1',
    ]],
  ];
  for (const [title, options, overrides, problems] of failures) {
    test(`throws for ${title}`, () => {
      assert.throws(() => resolveRunOptions(options, overrides), (error: unknown) => {
        assert.ok(error instanceof RunOptionsError);
        assert.deepEqual(error.problems, problems);
        assert.equal(error.message, problems.join('\n'));
        return true;
      });
    });
  }
});
