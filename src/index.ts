/**
 * slipway's public API. Every export is named here explicitly; each stage adds
 * its own line.
 */
export { SlipwayError, isSlipwayError } from './errors.js';
export { analyzeWord, expandWord, expandWords } from './shell/index.js';
export type { ExpandOptions, ExpandReport, Expansion, ShellEnv, ShellErrorCode, ShellProblem } from './shell/index.js';
