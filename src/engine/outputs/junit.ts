/**
 * JUnit XML, the test report format CI servers read (Jenkins' JUnit and xUnit plugins, GitLab's
 * `artifacts:reports:junit`, GitHub test reporters). Written to the schema Jenkins' xUnit plugin
 * validates JUnit files against (junit-10.xsd; test/unit/test-cli.test.ts checks every file it writes
 * against it): `testsuites` > `testsuite` (name, tests, failures, errors, skipped, time, timestamp,
 * file) > `testcase` (name, classname, time) > `failure` | `error` | `skipped` | `system-out`.
 * That schema has no `file` or `line` on a test case, so those go in the suite and the failure text.
 */

export interface JUnitCase {
  name: string;
  /** Dotted, as CI servers split it into package and class: `tests.shop.checkout`. */
  classname: string;
  /** Seconds. */
  time: number;
  /** A check that did not hold (a threshold breached). */
  failure?: JUnitProblem;
  /** The test could not be judged (the run was aborted, the file is invalid). */
  error?: JUnitProblem;
  /** Not run, and why. */
  skipped?: string;
  systemOut?: string;
}

export interface JUnitProblem {
  /** One line: what failed (`errorRate < 1% — actual 100%`). */
  message: string;
  type: string;
  /** The evidence: rows, failures, trace ids. */
  text: string;
}

export interface JUnitSuite {
  name: string;
  /** The load file, relative to where the command ran. */
  file: string;
  /** When its first run started (ISO 8601). */
  timestamp?: string;
  cases: JUnitCase[];
}

/** A whole report: one `testsuites` element with one `testsuite` per load file. */
export function junitXml(suites: readonly JUnitSuite[], name = 'loadlens'): string {
  const all = suites.flatMap(suite => suite.cases);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attribute(name)}" tests="${all.length}" failures="${count(all, 'failure')}" errors="${count(all, 'error')}" time="${seconds(sumTime(all))}">`,
  ];
  for (const suite of suites) {
    const timestamp = suite.timestamp === undefined ? '' : ` timestamp="${attribute(suite.timestamp.replace(/\.\d+Z$|Z$/, ''))}"`;
    lines.push(`  <testsuite name="${attribute(suite.name)}" tests="${suite.cases.length}" failures="${count(suite.cases, 'failure')}" errors="${count(suite.cases, 'error')}" skipped="${suite.cases.filter(c => c.skipped !== undefined).length}" time="${seconds(sumTime(suite.cases))}"${timestamp} file="${attribute(suite.file)}">`);
    for (const testCase of suite.cases) lines.push(...caseLines(testCase));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function caseLines(testCase: JUnitCase): string[] {
  const open = `    <testcase name="${attribute(testCase.name)}" classname="${attribute(testCase.classname)}" time="${seconds(testCase.time)}"`;
  const children: string[] = [];
  for (const [element, problem] of [['failure', testCase.failure], ['error', testCase.error]] as const) {
    if (problem) children.push(`      <${element} message="${attribute(problem.message)}" type="${attribute(problem.type)}">${text(problem.text)}</${element}>`);
  }
  if (testCase.skipped !== undefined) children.push(`      <skipped message="${attribute(testCase.skipped)}"/>`);
  if (testCase.systemOut) children.push(`      <system-out>${text(testCase.systemOut)}</system-out>`);
  return children.length === 0 ? [`${open}/>`] : [`${open}>`, ...children, '    </testcase>'];
}

function count(cases: readonly JUnitCase[], kind: 'failure' | 'error'): number {
  return cases.filter(c => c[kind] !== undefined).length;
}

function sumTime(cases: readonly JUnitCase[]): number {
  return cases.reduce((sum, c) => sum + c.time, 0);
}

/** `12.345`: seconds with milliseconds, never an exponent (the schema's SUREFIRE_TIME pattern). */
function seconds(value: number): string {
  return (Math.max(0, value)).toFixed(3);
}

// Characters XML 1.0 cannot hold at all, even escaped (control characters but tab, LF, CR; lone
// surrogates; U+FFFE/U+FFFF): a request name or an error message from the target may contain them.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/gu;

function visible(value: string): string {
  // With the `u` flag a well-formed surrogate pair is one code point and never matches; a lone one does.
  return value.replace(NOT_XML, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function text(value: string): string {
  return visible(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value; line breaks and tabs as character references, so a parser keeps them. */
function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
