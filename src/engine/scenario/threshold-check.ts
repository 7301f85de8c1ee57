// The threshold check the scenario loader is given: the statistics' own parser, so `loadlens check`, a
// run and the Kubernetes manifests accept and reject the same thresholds.
import { parseThresholds } from '../stats/index.ts';
import type { ThresholdCheck } from './option-problems.ts';

/** Every threshold problem, in the form the scenario validation hook expects. */
export const checkThreshold: ThresholdCheck = (expression, condition) => parseThresholds({ [expression]: condition }).errors[0];
