import type { Rule } from '../types.js';
import { subRange } from '../position.js';

const docs = (slug: string): string => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;

/** `s` is unchanged by lowercasing (ASCII read by code, anything else asks toLowerCase). */
function isLower(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return s === s.toLowerCase();
    if (c >= 65 && c <= 90) return false;
  }
  return true;
}

/** `s` is unchanged by uppercasing. */
function isUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return s === s.toUpperCase();
    if (c >= 97 && c <= 122) return false;
  }
  return true;
}

export const StageNameCasing: Rule = {
  name: 'StageNameCasing',
  source: 'buildkit',
  level: 'warning',
  description: 'Stage names should be lowercase',
  url: docs('stage-name-casing'),
  check(ctx) {
    for (const stage of ctx.model.stages) {
      const word = stage.nameWord;
      if (word && !isLower(word.value)) ctx.report(word.range, `Stage name '${word.value}' should be lowercase`);
    }
  },
};

export const FromAsCasing: Rule = {
  name: 'FromAsCasing',
  source: 'buildkit',
  level: 'warning',
  description: "The 'as' keyword should match the case of the 'from' keyword",
  url: docs('from-as-casing'),
  fixable: true,
  check(ctx) {
    for (const stage of ctx.model.stages) {
      const as = stage.asWord;
      const keyword = stage.from.keyword;
      if (!as) continue;
      // A mixed-case FROM is ConsistentInstructionCasing's finding, not this one's.
      if (isLower(keyword) && !isLower(as.value)) {
        ctx.report(as.range, `'${as.value}' and '${keyword}' keywords' casing do not match`, [{ range: as.range, newText: as.value.toLowerCase() }]);
      } else if (isUpper(keyword) && !isLower(keyword) && !isUpper(as.value)) {
        ctx.report(as.range, `'${as.value}' and '${keyword}' keywords' casing do not match`, [{ range: as.range, newText: as.value.toUpperCase() }]);
      }
    }
  },
};

export const ConsistentInstructionCasing: Rule = {
  name: 'ConsistentInstructionCasing',
  source: 'buildkit',
  level: 'warning',
  description: 'All commands within the Dockerfile should use the same casing (either upper or lower)',
  url: docs('consistent-instruction-casing'),
  fixable: true,
  check(ctx) {
    const instructions = ctx.model.ast.instructions;
    let lower = 0;
    let upper = 0;
    for (const ins of instructions) {
      if (isLower(ins.keyword)) lower++;
      else if (isUpper(ins.keyword)) upper++;
    }
    // Every keyword in the majority case (the common file): nothing to report.
    if (lower === instructions.length || upper === instructions.length) return;
    // Ties go to uppercase, as BuildKit decides.
    const majorityLower = lower > upper;
    for (const ins of instructions) {
      if (majorityLower ? isLower(ins.keyword) : isUpper(ins.keyword)) continue;
      const want = majorityLower ? ins.keyword.toLowerCase() : ins.keyword.toUpperCase();
      ctx.report(ins.keywordRange, `Command '${ins.keyword}' should match the case of the command majority (${majorityLower ? 'lowercase' : 'uppercase'})`, [
        { range: ins.keywordRange, newText: want },
      ]);
    }
  },
};

export const ExposeProtoCasing: Rule = {
  name: 'ExposeProtoCasing',
  source: 'buildkit',
  level: 'warning',
  description: 'Protocol in EXPOSE instruction should be lowercase',
  url: docs('expose-proto-casing'),
  fixable: true,
  instructions: ['expose'],
  check(ctx) {
    for (const ins of ctx.model.ast.instructions) {
      if (ins.name !== 'expose') continue;
      for (const word of ins.args) {
        const slash = word.value.lastIndexOf('/');
        if (slash < 0) continue;
        const proto = word.value.slice(slash + 1);
        if (isLower(proto)) continue;
        const range = subRange(ctx.index, word, slash + 1, word.value.length);
        // Fix only when the word is written exactly as parsed (no quotes or escapes to keep).
        ctx.report(word.range, `Defined protocol '${word.value}' in EXPOSE instruction should be lowercase`,
          range !== word.range ? [{ range, newText: proto.toLowerCase() }] : undefined);
      }
    }
  },
};

/** `EXPOSE 127.0.0.1:80:80` or `EXPOSE 8080:80`: publishing belongs to `docker run -p`. */
export const ExposeInvalidFormat: Rule = {
  name: 'ExposeInvalidFormat',
  source: 'buildkit',
  level: 'warning',
  description: 'IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release',
  url: docs('expose-invalid-format'),
  instructions: ['expose'],
  check(ctx) {
    for (const ins of ctx.model.ast.instructions) {
      if (ins.name !== 'expose') continue;
      for (const word of ins.args) {
        if (word.value.includes(':')) {
          ctx.report(word.range, `EXPOSE instruction should not define an IP address or host-port mapping, found '${word.value}'`);
        }
      }
    }
  },
};
