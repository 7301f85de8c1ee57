/** The stats' HDR histograms live in src/shared/histogram.ts, shared with the breakdown of received spans. */
export * from '../../shared/histogram.ts';
