import type { Instruction } from '../../syntax/ast.js';
import { flag, type Stage } from '../model.js';
import type { Rule } from '../types.js';
import { dl } from './dl.js';

/** hadolint's rules about FROM, stages and what crosses between them. */

/** Splits `registry/ns/name:tag@digest` as hadolint reads an image. */
export function imageParts(image: string): { registry?: string; name: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const registry = first && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
  // Built without spreads (same keys in the same order): several rules ask per FROM.
  const parts: { registry?: string; name: string; tag?: string; digest?: string } = registry ? { registry, name: rest.slice(slash + 1) } : { name: rest };
  if (tag !== undefined) parts.tag = tag;
  if (digest) parts.digest = digest;
  return parts;
}

/** imageParts(image) has a tag or a digest, read without building the parts. */
function hasTagOrDigest(image: string): boolean {
  let end = image.indexOf('@');
  if (end >= 0 && end < image.length - 1) return true;
  if (end < 0) end = image.length;
  // A tag is a `:` after the last `/` (a `:` before it is a registry port).
  for (let i = end - 1; i >= 0; i--) {
    const c = image.charCodeAt(i);
    if (c === 58) return true;
    if (c === 47) return false;
  }
  return false;
}

export const DL3006: Rule = dl('DL3006', 'warning', 'Always tag the version of an image explicitly', (ctx) => {
  for (const stage of ctx.model.stages) {
    const image = stage.image?.value;
    if (!image || image === 'scratch' || image.includes('$') || hasTagOrDigest(image)) continue;
    const lower = image.toLowerCase();
    let earlier = false;
    for (let i = 0; i < stage.index && !earlier; i++) earlier = ctx.model.stages[i]!.name === lower;
    if (!earlier) ctx.report(stage.image!.range, 'Always tag the version of an image explicitly');
  }
});

export const DL3007: Rule = dl('DL3007', 'warning', 'Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag', (ctx) => {
  for (const stage of ctx.model.stages) {
    const image = stage.image?.value;
    if (!image || !image.includes('latest')) continue;
    const p = imageParts(image);
    if (p.tag === 'latest' && !p.digest) ctx.report(stage.image!.range, 'Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag');
  }
});

export const DL3024: Rule = dl('DL3024', 'error', 'FROM aliases (stage names) must be unique', (ctx) => {
  const seen = new Set<string>();
  for (const stage of ctx.model.stages) {
    if (stage.name === undefined) continue;
    if (seen.has(stage.name)) ctx.report(stage.nameWord!.range, 'FROM aliases (stage names) must be unique');
    seen.add(stage.name);
  }
});

function registryAllowed(registry: string | undefined, trusted: readonly string[]): boolean {
  if (registry === undefined) return trusted.includes('docker.io') || trusted.includes('hub.docker.com');
  return trusted.some((t) => t === registry || (t.startsWith('*.') && registry.endsWith(t.slice(1))));
}

export const DL3026: Rule = dl('DL3026', 'error', 'Use only an allowed registry in the FROM image', (ctx) => {
  const trusted = ctx.settings.trustedRegistries;
  if (trusted.length === 0) return;
  for (const stage of ctx.model.stages) {
    const image = stage.image?.value;
    if (!image || image === 'scratch') continue;
    if (ctx.model.stages.slice(0, stage.index).some((s) => s.name === image.toLowerCase())) continue;
    if (!registryAllowed(imageParts(image).registry, trusted)) ctx.report(stage.image!.range, 'Use only an allowed registry in the FROM image');
  }
});

export const DL3029: Rule = dl('DL3029', 'warning', 'Do not use --platform flag with FROM', (ctx) => {
  for (const stage of ctx.model.stages) if (stage.platform?.value) ctx.report(stage.platform.range, 'Do not use --platform flag with FROM');
});

export const DL3061: Rule = dl('DL3061', 'error', 'Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    if (ins.name === 'from') return;
    if (ins.name !== 'arg') ctx.report(ins.keywordRange, 'Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.');
  }
});

/** The `--from` of COPY: an earlier stage name, a stage index, or an image. */
function copyFrom(ins: Instruction): { value: string; range: Instruction['range'] } | undefined {
  if (ins.name !== 'copy' && ins.name !== 'onbuild') return undefined;
  const target = ins.body.type === 'Onbuild' ? ins.body.instruction : ins;
  if (target.name !== 'copy') return undefined;
  const f = flag(target, 'from');
  return f?.value ? { value: f.value, range: f.range } : undefined;
}

/** One of the first `count` stages is named `name`. */
function namedBefore(stages: readonly Stage[], count: number, name: string): boolean {
  for (let i = 0; i < count && i < stages.length; i++) if (stages[i]!.name === name) return true;
  return false;
}

export const DL3022: Rule = dl('DL3022', 'warning', 'COPY --from should reference a previously defined FROM alias', (ctx) => {
  let stages = 0;
  for (const ins of ctx.model.ast.instructions) {
    if (ins.name === 'from') { stages++; continue; }
    const from = copyFrom(ins);
    if (!from) continue;
    const v = from.value.toLowerCase();
    const index = /^\d+$/.test(v) && Number(v) < stages - 1;
    if (index || /[:/$@]/.test(v) || namedBefore(ctx.model.stages, stages, v)) continue;
    ctx.report(from.range, 'COPY --from should reference a previously defined FROM alias');
  }
}, { instructions: ['copy', 'onbuild'] });

export const DL3023: Rule = dl('DL3023', 'error', 'COPY --from cannot reference its own FROM alias', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    const from = copyFrom(ins);
    if (!from) continue;
    const stage = ctx.model.stageOf(ins);
    if (stage?.name !== undefined && from.value.toLowerCase() === stage.name) ctx.report(from.range, 'COPY --from cannot reference its own FROM alias');
  }
}, { instructions: ['copy', 'onbuild'] });

export const DL3043: Rule = dl('DL3043', 'error', '`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction.', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    if (ins.body.type === 'Onbuild' && ['onbuild', 'from', 'maintainer'].includes(ins.body.instruction.name)) {
      ctx.report(ins.body.instruction.keywordRange, '`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction.');
    }
  }
}, { instructions: ['onbuild'] });

export const DL3057: Rule = dl('DL3057', 'info', '`HEALTHCHECK` instruction missing.', (ctx) => {
  const first = ctx.model.stages[0];
  if (first && !ctx.model.ast.instructions.some((i) => i.name === 'healthcheck')) ctx.report(first.from.keywordRange, '`HEALTHCHECK` instruction missing.');
}, { optIn: true });

export const DL3063: Rule = dl('DL3063', 'info', 'A USER instruction should be specified', (ctx) => {
  const last = ctx.model.stages[ctx.model.stages.length - 1];
  const chain: Stage[] = [];
  for (let s: Stage | undefined = last; s; s = s.parent) chain.push(s);
  if (last && !chain.some((s) => s.instructions.some((i) => i.name === 'user'))) ctx.report(last.from.keywordRange, 'A USER instruction should be specified');
}, { optIn: true });

export const STAGE_RULES: readonly Rule[] = [DL3006, DL3007, DL3022, DL3023, DL3024, DL3026, DL3029, DL3043, DL3057, DL3061, DL3063];
