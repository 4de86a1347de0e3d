/**
 * The linter: BuildKit's build checks and hadolint's DL rules over the parsed Dockerfile,
 * with config, inline ignores, output formats and autofix. Entry point: `lint()`.
 */
export { lint, lintDetailed } from './lint.js';
export type { LintOptions, LintResult } from './lint.js';
export { fix, applyEdits, unifiedDiff } from './fix.js';
export type { FixResult } from './fix.js';
export { ALL_RULES, BUILDKIT_RULES, HADOLINT_RULES, findRule } from './rules/index.js';
export { CONFIG_FILE, LABEL_TYPES, checkDirective, findConfig, loadConfig, mergeConfig, parseThreshold } from './config.js';
export type { CheckDirective, LabelSchema, LabelType, LintConfig, Threshold } from './config.js';
export { FORMATS, formatReports } from './format/index.js';
export type { FileReport, Format, FormatOptions } from './format/index.js';
export { findDockerfiles, runLint } from './run.js';
export type { LintRun, LintRunResult } from './run.js';
export { parseScript } from './shell.js';
export type { Script, SimpleCommand, Word } from './shell.js';
export type { Diagnostic as LintDiagnostic, Level as LintLevel, Rule as LintRule, RuleContext, RuleSettings, TextEdit } from './types.js';
