// The results panel's Breakdown tab: where each request row's time went (src/shared/panel-breakdown.ts
// computes every word and number; this file only draws them). Per row: a stacked bar of its parts at
// p50 with a legend, the table of parts (a click on a part lists its slowest traces), and the root
// causes of its failures; under the rows, what the breakdown received and could not use.
import { html, nothing, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import './breakdown.css';
import type { BarSegment, BreakdownRowView, BreakdownTabView, PartColour, PartView } from '../src/shared/panel-breakdown.ts';

/** How a part's colour is drawn: the theme's chart colours (CSS classes in style.css). */
function colourClass(colour: PartColour): string {
  return `part-colour-${colour}`;
}

/**
 * The tab. `opened` is the part whose slowest traces are shown (`row key` + '\n' + `part key`);
 * `toggle` opens or closes one; `traceLink` draws a trace id as the Failures tab does.
 */
export function breakdownTab(view: BreakdownTabView | undefined, opened: string | undefined, toggle: (key: string) => void, traceLink: (traceId: string) => TemplateResult): TemplateResult {
  if (view === undefined) return html`<p class="none">No run yet.</p>`;
  return html`<div class="breakdown">
    ${view.status ? html`<p class="breakdown-status ${view.waiting ? 'waiting' : ''}">${view.status}</p>` : nothing}
    ${view.empty ? html`<p class="none breakdown-empty">${view.empty}</p>` : nothing}
    ${repeat(view.rows, row => row.key, row => rowBlock(row, opened, toggle, traceLink))}
    <p class="breakdown-counters">${view.counters.map(c => html`<span class="counter ${c.warn ? 'warn' : ''}" title=${c.title} data-counter=${c.label}>${c.label} <strong>${c.value}</strong></span>`)}</p>
  </div>`;
}

function rowBlock(row: BreakdownRowView, opened: string | undefined, toggle: (key: string) => void, traceLink: (traceId: string) => TemplateResult): TemplateResult {
  return html`<section class="breakdown-row" data-row=${row.key}>
    <h3><span class="name">${row.title}</span> <span class="traces">${row.traces}</span></h3>
    ${row.summary ? html`<p class="summary">${row.summary}</p>` : nothing}
    ${bar(row.bar)}
    <table class="parts">
      <thead><tr><th>Part</th><th>Kind</th><th class="num" title="Self time on the critical path, per request">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num" title="This part's time over the row's total time">Share</th></tr></thead>
      <tbody>${repeat(row.parts, part => part.key, part => partRows(row, part, opened, toggle, traceLink))}</tbody>
    </table>
    ${row.rootCauses.length === 0 ? nothing : html`<table class="root-causes">
      <thead><tr><th>Traces (newest first)</th><th class="num">Count</th><th>Root cause (deepest span in error)</th></tr></thead>
      <tbody>${repeat(row.rootCauses, c => c.key, c => html`<tr>
        <td class="traces"><div class="trace-ids">${repeat(c.traceIds, id => id, traceLink)}</div></td>
        <td class="num bad">${c.count}</td>
        <td class="error"><strong>${c.service}</strong> ${c.span}${c.message ? html`: ${c.message}` : nothing}</td></tr>`)}</tbody>
    </table>`}
  </section>`;
}

function bar(segments: BarSegment[]): TemplateResult {
  if (segments.length === 0) return html``;
  return html`<div class="stacked-bar" role="img" aria-label=${`At p50: ${segments.map(s => `${s.label} ${s.p50}`).join(', ')}`}>
      ${segments.map(s => html`<span class="segment ${colourClass(s.colour)}" style=${`width:${s.widthPercent.toFixed(2)}%`} title=${`${s.label}: p50 ${s.p50}`}></span>`)}
    </div>
    <ul class="legend">${segments.map(s => html`<li><span class="swatch ${colourClass(s.colour)}"></span>${s.label} <span class="muted">${s.p50}</span></li>`)}</ul>`;
}

function partRows(row: BreakdownRowView, part: PartView, opened: string | undefined, toggle: (key: string) => void, traceLink: (traceId: string) => TemplateResult): TemplateResult {
  const key = `${row.key}\n${part.key}`;
  const isOpen = opened === key;
  return html`<tr class="part ${isOpen ? 'open' : ''}" data-part=${part.key}>
      <td class="part-name"><button class="link part-toggle" aria-expanded=${isOpen ? 'true' : 'false'} title="Show the traces in which this part took longest" @click=${() => toggle(key)}>
        <span class="swatch ${colourClass(part.colour)}"></span>${part.label}</button></td>
      <td class="kind">${part.kind}</td><td class="num">${part.p50}</td><td class="num">${part.p95}</td><td class="num">${part.p99}</td><td class="num share">${part.share}</td>
    </tr>
    ${isOpen ? html`<tr class="part-traces"><td colspan="6">${part.slowest.length === 0
      ? html`<span class="muted">No trace ids kept for this part.</span>`
      : html`<span class="muted">Slowest traces for this part:</span> ${part.slowest.map(t => html`<span class="slow-trace">${traceLink(t.traceId)} <span class="muted">${t.self} of ${t.duration}</span></span>`)}`}</td></tr>` : nothing}`;
}
