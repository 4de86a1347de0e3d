import type { Rule } from '../types.js';
import { ConsistentInstructionCasing, ExposeInvalidFormat, ExposeProtoCasing, FromAsCasing, StageNameCasing } from './buildkit-casing.js';
import { InvalidDefinitionDescription, JSONArgsRecommended, LegacyKeyValueFormat, MaintainerDeprecated, MultipleInstructionsDisallowed, NoEmptyContinuation } from './buildkit-commands.js';
import { CopyIgnoredFile } from './buildkit-context.js';
import { DuplicateStageName, FromPlatformFlagConstDisallowed, InvalidDefaultArgInFrom, RedundantTargetPlatform, ReservedStageName, UndefinedArgInFrom } from './buildkit-stages.js';
import { SecretsUsedInArgOrEnv, UndefinedVar, WorkdirRelativePath } from './buildkit-vars.js';
import { LABEL_RULES } from './hadolint-labels.js';
import { PACKAGE_RULES } from './hadolint-packages.js';
import { RUN_RULES } from './hadolint-run.js';
import { STAGE_RULES } from './hadolint-stages.js';
import { STATIC_RULES } from './hadolint-static.js';

/** BuildKit's build checks, in the order its documentation lists them. */
export const BUILDKIT_RULES: readonly Rule[] = [
  StageNameCasing, FromAsCasing, NoEmptyContinuation, ConsistentInstructionCasing, DuplicateStageName,
  ReservedStageName, JSONArgsRecommended, MaintainerDeprecated, UndefinedArgInFrom, WorkdirRelativePath,
  UndefinedVar, MultipleInstructionsDisallowed, LegacyKeyValueFormat, RedundantTargetPlatform,
  SecretsUsedInArgOrEnv, InvalidDefaultArgInFrom, FromPlatformFlagConstDisallowed, CopyIgnoredFile,
  InvalidDefinitionDescription, ExposeProtoCasing, ExposeInvalidFormat,
];

/** hadolint's DL rules, by code. */
export const HADOLINT_RULES: readonly Rule[] = [...STATIC_RULES, ...STAGE_RULES, ...LABEL_RULES, ...PACKAGE_RULES, ...RUN_RULES]
  .slice().sort((a, b) => (a.name < b.name ? -1 : 1));

export const ALL_RULES: readonly Rule[] = [...BUILDKIT_RULES, ...HADOLINT_RULES];

export function findRule(name: string): Rule | undefined {
  return ALL_RULES.find((r) => r.name === name);
}
