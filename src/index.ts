/**
 * slipway's public API. Every export is named here explicitly; each stage adds
 * its own line.
 */
export { SlipwayError, isSlipwayError } from './errors.js';
