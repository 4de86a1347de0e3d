import type { Instruction, KeyValuePair } from '../../syntax/ast.js';
import type { LabelType } from '../config.js';
import type { Stage } from '../model.js';
import type { Rule, RuleContext } from '../types.js';
import { dl, unquote } from './dl.js';

/** hadolint's label rules: key syntax, and values checked against the configured schema. */

function labelPairs(instructions: readonly Instruction[]): KeyValuePair[] {
  return instructions.flatMap((i) => (i.name === 'label' && i.body.type === 'KeyValue' ? i.body.pairs : []));
}

function allLabels(ctx: RuleContext): KeyValuePair[] {
  return labelPairs(ctx.model.ast.instructions);
}

/** Lowercase letters, digits, `.` and `-`; starts with a letter, ends with a letter or digit. */
const LABEL_KEY = /^[a-z](?:[a-z0-9.-]*[a-z0-9])?$/;
const RESERVED_NAMESPACE = /^(?:com\.docker\.|io\.docker\.|org\.dockerproject\.)/;

export const DL3048: Rule = dl('DL3048', 'style', 'Invalid label key.', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    if (ins.name !== 'label' || ins.body.type !== 'KeyValue') continue;
    for (const pair of ins.body.pairs) {
      const k = unquote(pair.key.value);
      const bad = !LABEL_KEY.test(k) || RESERVED_NAMESPACE.test(k) || k.includes('..') || k.includes('--');
      if (bad) ctx.report(pair.key.range, 'Invalid label key.');
    }
  }
}, { instructions: ['label'] });

/** Labels in force in the final image: the last stage's and those of stages it builds on. */
function finalStage(ctx: RuleContext): { stage: Stage; pairs: KeyValuePair[] } | undefined {
  const last = ctx.model.stages[ctx.model.stages.length - 1];
  if (!last) return undefined;
  const pairs: KeyValuePair[] = [];
  for (let s: Stage | undefined = last; s; s = s.parent) pairs.push(...labelPairs(s.instructions));
  return { stage: last, pairs };
}

export const DL3049: Rule = dl('DL3049', 'info', 'Label `<label>` is missing.', (ctx) => {
  if (Object.keys(ctx.settings.labelSchema).length === 0) return;
  const final = finalStage(ctx);
  if (!final) return;
  const present = new Set(final.pairs.map((p) => unquote(p.key.value)));
  for (const label of Object.keys(ctx.settings.labelSchema)) {
    if (!present.has(label)) ctx.report(final.stage.from.keywordRange, `Label \`${label}\` is missing.`);
  }
});

export const DL3050: Rule = dl('DL3050', 'info', 'Superfluous label(s) present.', (ctx) => {
  if (!ctx.settings.strictLabels) return;
  for (const pair of allLabels(ctx)) {
    if (!(unquote(pair.key.value) in ctx.settings.labelSchema)) ctx.report(pair.key.range, 'Superfluous label(s) present.');
  }
}, { instructions: ['label'] });

const SPDX = new Set(('0BSD AFL-3.0 AGPL-1.0 AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-1.0 Apache-1.1 Apache-2.0 APSL-2.0 Artistic-2.0 BlueOak-1.0.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent BSD-3-Clause BSD-3-Clause-Clear BSD-4-Clause BSL-1.0 CC-BY-4.0 CC-BY-SA-4.0 CC0-1.0 CDDL-1.0 CDDL-1.1 CECILL-2.1 EPL-1.0 EPL-2.0 EUPL-1.1 EUPL-1.2 GPL-1.0-only GPL-1.0-or-later GPL-2.0 GPL-2.0-only GPL-2.0-or-later GPL-3.0 GPL-3.0-only GPL-3.0-or-later ISC LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1 LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only LGPL-3.0-or-later LPPL-1.3c MIT MIT-0 MPL-1.1 MPL-2.0 MS-PL MS-RL NCSA OFL-1.1 OpenSSL OSL-3.0 PHP-3.01 PostgreSQL Python-2.0 Ruby Unlicense UPL-1.0 Vim W3C WTFPL X11 Zlib ZPL-2.1').split(' '));

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function validUrl(v: string): boolean {
  try {
    return new URL(v).protocol.length > 1;
  } catch {
    return false;
  }
}

function validSpdx(v: string): boolean {
  // Expressions like `MIT OR Apache-2.0` are accepted when each identifier is known.
  return v.replace(/[()]/g, ' ').split(/\s+/).filter((t) => t && !['AND', 'OR', 'WITH'].includes(t)).every((id, i, all) => SPDX.has(id.replace(/\+$/, '')) || (i > 0 && all[i - 1] === 'WITH') || id.startsWith('LicenseRef-'));
}

const FORMAT: Record<Exclude<LabelType, 'text'>, { code: string; valid: (v: string) => boolean; message: (l: string) => string }> = {
  url: { code: 'DL3052', valid: validUrl, message: (l) => `Label \`${l}\` is not a valid URL.` },
  rfc3339: { code: 'DL3053', valid: (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)), message: (l) => `Label \`${l}\` is not a valid time format - must conform to RFC3339.` },
  spdx: { code: 'DL3054', valid: validSpdx, message: (l) => `Label \`${l}\` is not a valid SPDX license identifier.` },
  hash: { code: 'DL3055', valid: (v) => /^[0-9a-f]{7,40}$/.test(v), message: (l) => `Label \`${l}\` is not a valid git hash.` },
  semver: { code: 'DL3056', valid: (v) => SEMVER.test(v), message: (l) => `Label \`${l}\` does not conform to semantic versioning.` },
  email: { code: 'DL3058', valid: (v) => EMAIL.test(v), message: (l) => `Label \`${l}\` is not a valid email format - must conform to RFC5322.` },
};

export const DL3051: Rule = dl('DL3051', 'warning', 'Label `<label>` is empty.', (ctx) => {
  if (Object.keys(ctx.settings.labelSchema).length === 0) return;
  for (const pair of allLabels(ctx)) {
    const key = unquote(pair.key.value);
    if (key in ctx.settings.labelSchema && unquote(pair.value.value).trim() === '') ctx.report(pair.range, `Label \`${key}\` is empty.`);
  }
}, { instructions: ['label'] });

function formatRule(type: Exclude<LabelType, 'text'>, level: 'warning', description: string): Rule {
  const f = FORMAT[type];
  return dl(f.code, level, description, (ctx) => {
    if (!Object.values(ctx.settings.labelSchema).includes(type)) return;
    for (const pair of allLabels(ctx)) {
      const key = unquote(pair.key.value);
      const value = unquote(pair.value.value);
      if (ctx.settings.labelSchema[key] === type && value !== '' && !f.valid(value)) ctx.report(pair.value.range, f.message(key));
    }
  }, { instructions: ['label'] });
}

export const DL3052 = formatRule('url', 'warning', 'Label `<label>` is not a valid URL.');
export const DL3053 = formatRule('rfc3339', 'warning', 'Label `<label>` is not a valid time format - must conform to RFC3339.');
export const DL3054 = formatRule('spdx', 'warning', 'Label `<label>` is not a valid SPDX license identifier.');
export const DL3055 = formatRule('hash', 'warning', 'Label `<label>` is not a valid git hash.');
export const DL3056 = formatRule('semver', 'warning', 'Label `<label>` does not conform to semantic versioning.');
export const DL3058 = formatRule('email', 'warning', 'Label `<label>` is not a valid email format - must conform to RFC5322.');

export const LABEL_RULES: readonly Rule[] = [DL3048, DL3049, DL3050, DL3051, DL3052, DL3053, DL3054, DL3055, DL3056, DL3058];
