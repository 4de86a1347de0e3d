import { parseReference } from '../../oci/index.js';
import type { Range, Rule, RuleContext } from '../types.js';
import { expandFromWord, globalArgEnv, someReference, suggest } from '../vars.js';

const docs = (slug: string): string => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;

export const DuplicateStageName: Rule = {
  name: 'DuplicateStageName',
  source: 'buildkit',
  level: 'warning',
  description: 'Stage names should be unique',
  url: docs('duplicate-stage-name'),
  check(ctx) {
    const seen = new Set<string>();
    for (const stage of ctx.model.stages) {
      if (stage.name === undefined) continue;
      if (seen.has(stage.name)) ctx.report(stage.nameWord!.range, `Duplicate stage name "${stage.name}", stage names should be unique`);
      seen.add(stage.name);
    }
  },
};

const RESERVED = new Set(['scratch', 'context']);

export const ReservedStageName: Rule = {
  name: 'ReservedStageName',
  source: 'buildkit',
  level: 'warning',
  description: 'Reserved words should not be used as stage names',
  url: docs('reserved-stage-name'),
  check(ctx) {
    for (const stage of ctx.model.stages) {
      if (stage.name !== undefined && RESERVED.has(stage.name)) {
        ctx.report(stage.nameWord!.range, `Stage name should not use the same name as reserved stage "${stage.name}"`);
      }
    }
  },
};

export const UndefinedArgInFrom: Rule = {
  name: 'UndefinedArgInFrom',
  source: 'buildkit',
  level: 'warning',
  description: 'FROM command must use declared ARGs',
  url: docs('undefined-arg-in-from'),
  check(ctx) {
    // The global ARGs are read only for a file whose FROM lines use a variable.
    let declared: Set<string> | undefined;
    for (const stage of ctx.model.stages) {
      const image = stage.image;
      const platform = stage.platform?.value;
      if (image?.value.includes('$')) declared = checkFromWord(ctx, image.value, image.range, declared);
      if (platform?.includes('$')) declared = checkFromWord(ctx, platform, stage.platform!.valueRange!, declared);
    }
  },
};

const FALLBACK = /\$\{?[A-Za-z_]\w*:?[-+]/;

/** Reports the undeclared ARGs a FROM word uses; returns the declared names (read once per file). */
function checkFromWord(ctx: RuleContext, value: string, range: Range, declared: Set<string> | undefined): Set<string> {
  const known = declared ?? globalArgEnv(ctx.model).declared;
  if (!someReference(value, (n) => !known.has(n)) && !FALLBACK.test(value)) return known;
  for (const name of expandFromWord(ctx.model, value).unset) {
    if (known.has(name)) continue;
    const hint = suggest(name, known);
    ctx.report(range, `FROM argument '${name}' is not declared${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  return known;
}

// The reference grammar's path component and tag (distribution/reference).
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * `name` or `name:tag` on Docker Hub's library (`golang:1.22-alpine`), which parseReference
 * accepts: checked here directly, the common case, without its general parse.
 */
function plainImage(value: string): boolean {
  if (value.includes('/') || value.includes('@')) return false;
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  // `docker.io/library/` + name within the 255 characters a repository name may have.
  return name.length <= 237 && PATH_COMPONENT.test(name) && (colon < 0 || TAG.test(value.slice(colon + 1)));
}

export const InvalidDefaultArgInFrom: Rule = {
  name: 'InvalidDefaultArgInFrom',
  source: 'buildkit',
  level: 'warning',
  description: 'Default value for global ARG results in an empty or invalid base image name',
  url: docs('invalid-default-arg-in-from'),
  check(ctx) {
    for (const stage of ctx.model.stages) {
      const word = stage.image;
      if (!word || !word.value.includes('$')) continue;
      const r = expandFromWord(ctx.model, word.value);
      if (!r.ok) continue;
      const lower = r.value.toLowerCase();
      let earlier = false;
      for (let i = 0; i < stage.index && !earlier; i++) earlier = ctx.model.stages[i]!.name === lower;
      if (earlier || r.value === 'scratch') continue;
      let valid = r.value !== '';
      try {
        if (valid && !plainImage(r.value)) parseReference(r.value);
      } catch {
        valid = false;
      }
      if (!valid) ctx.report(word.range, `Default value for ARG ${word.value} results in empty or invalid base image name`);
    }
  },
};

export const RedundantTargetPlatform: Rule = {
  name: 'RedundantTargetPlatform',
  source: 'buildkit',
  level: 'warning',
  description: 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior',
  url: docs('redundant-target-platform'),
  check(ctx) {
    for (const stage of ctx.model.stages) {
      const p = stage.platform;
      if (p?.value === '$TARGETPLATFORM' || p?.value === '${TARGETPLATFORM}') {
        ctx.report(p.valueRange ?? p.range, `Setting platform to predefined ${p.value} in FROM is redundant as this is the default behavior`);
      }
    }
  },
};

export const FromPlatformFlagConstDisallowed: Rule = {
  name: 'FromPlatformFlagConstDisallowed',
  source: 'buildkit',
  level: 'warning',
  description: 'FROM --platform flag should not use a constant value',
  url: docs('from-platform-flag-const-disallowed'),
  check(ctx) {
    for (const stage of ctx.model.stages) {
      const p = stage.platform;
      if (!p?.value || p.value.includes('$')) continue;
      // A stage named for its platform (`build_arm64`) is meant to be platform-specific.
      const [os = '', arch = ''] = p.value.toLowerCase().split('/');
      const name = stage.name ?? '';
      if (name && ((os && name.includes(os)) || (arch && name.includes(arch)))) continue;
      ctx.report(p.valueRange ?? p.range, `FROM --platform flag should not use constant value "${p.value}"`);
    }
  },
};
