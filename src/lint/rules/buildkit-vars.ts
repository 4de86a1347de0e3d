import type { Argument, Instruction } from '../../syntax/ast.js';
import { argDeclarations, type Stage } from '../model.js';
import type { Rule, RuleContext } from '../types.js';
import { expand, plainReferences, suggest } from '../vars.js';

const docs = (slug: string): string => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;

/** Instructions whose arguments BuildKit runs through word expansion. */
const EXPANDED = new Set(['add', 'copy', 'expose', 'label', 'stopsignal', 'user', 'volume', 'workdir']);
const EXPANDED_FLAGS = new Set(['chown', 'chmod']);

/** The words of an instruction that BuildKit expands, with the ENV/ARG keys it defines. */
function expandedWords(ins: Instruction): Argument[] {
  if (ins.name === 'env') return ins.body.type === 'KeyValue' ? ins.body.pairs.map((p) => p.value) : [];
  if (ins.name === 'label') return ins.body.type === 'KeyValue' ? ins.body.pairs.flatMap((p) => [p.key, p.value]) : [];
  if (!EXPANDED.has(ins.name)) return [];
  const flags = ins.flags.filter((f) => EXPANDED_FLAGS.has(f.name) && f.value !== null && f.valueRange);
  return [...flags.map((f) => ({ type: 'Argument' as const, value: f.value!, range: f.valueRange! })), ...ins.args];
}

/** Variables official base images set (golang, node, python, openjdk, ruby, php, nginx, rust...). */
const IMAGE_ENV = new Set(['PATH', 'LANG', 'LC_ALL', 'HOME', 'GOPATH', 'GOLANG_VERSION', 'GOTOOLCHAIN', 'NODE_VERSION', 'YARN_VERSION',
  'PYTHON_VERSION', 'PYTHON_SHA256', 'PIP_VERSION', 'GPG_KEY', 'JAVA_HOME', 'JAVA_VERSION', 'RUBY_VERSION', 'RUBY_MAJOR', 'GEM_HOME',
  'BUNDLE_PATH', 'BUNDLE_SILENCE_ROOT_WARNING', 'BUNDLE_APP_CONFIG', 'PHP_VERSION', 'PHP_INI_DIR', 'PHPIZE_DEPS', 'NGINX_VERSION',
  'NJS_VERSION', 'PKG_RELEASE', 'MAVEN_HOME', 'MAVEN_CONFIG', 'GRADLE_HOME', 'DOTNET_VERSION', 'ASPNET_VERSION', 'CARGO_HOME',
  'RUSTUP_HOME', 'RUST_VERSION']);

/** ENV names a stage ends with, inherited by stages built on it. */
function stageEnv(stage: Stage, memo: Map<Stage, Set<string>>): Set<string> {
  const known = memo.get(stage);
  if (known) return known;
  const names = new Set(stage.parent ? stageEnv(stage.parent, memo) : stage.image?.value === 'scratch' ? ['PATH'] : IMAGE_ENV);
  for (const ins of stage.instructions) {
    if (ins.name === 'env' && ins.body.type === 'KeyValue') for (const p of ins.body.pairs) names.add(p.key.value);
  }
  memo.set(stage, names);
  return names;
}

/** PATH alone: what a stage on scratch starts with. */
const SCRATCH_ENV: ReadonlySet<string> = new Set(['PATH']);

/**
 * The names in scope in a stage: what it starts with (shared, never copied) plus what it
 * declares. Copying the base set into a fresh map per stage was most of this rule's cost;
 * the full map is built only when a word really needs expanding.
 */
class Scope {
  private readonly local = new Set<string>();
  constructor(private readonly base: ReadonlySet<string>) {}
  has(name: string): boolean {
    return this.base.has(name) || this.local.has(name);
  }
  add(name: string): void {
    if (!this.base.has(name)) this.local.add(name);
  }
  /** Every name mapped to a placeholder, base names first, then in order of declaration. */
  toMap(): Map<string, string> {
    const map = new Map<string, string>();
    for (const n of this.base) map.set(n, 'x');
    for (const n of this.local) map.set(n, 'x');
    return map;
  }
}

export const UndefinedVar: Rule = {
  name: 'UndefinedVar',
  source: 'buildkit',
  level: 'warning',
  description: 'Variables should be defined before their use',
  url: docs('undefined-var'),
  check(ctx) {
    const memo = new Map<Stage, Set<string>>();
    for (const stage of ctx.model.stages) {
      // BuildKit always has PATH. It also knows the base image's environment, which a static
      // linter does not: in a stage on an image (not scratch, not another stage), names that
      // official images commonly set are taken as defined rather than reported.
      const external = !stage.parent && stage.image?.value !== 'scratch';
      const defined = new Scope(stage.parent ? stageEnv(stage.parent, memo) : external ? IMAGE_ENV : SCRATCH_ENV);
      for (const ins of stage.instructions) {
        if (ins.name === 'arg') {
          for (const decl of argDeclarations(ins)) {
            if (decl.value?.includes('$')) checkWord(ctx, { ...decl.word, value: decl.value }, defined);
            defined.add(decl.name);
          }
          continue;
        }
        if (ins.original.includes('$')) for (const word of expandedWords(ins)) checkWord(ctx, word, defined);
        if (ins.name === 'env' && ins.body.type === 'KeyValue') for (const p of ins.body.pairs) defined.add(p.key.value);
      }
    }
  },
};

function checkWord(ctx: RuleContext, word: Argument, scope: Scope): void {
  if (!word.value.includes('$')) return;
  const plain = plainReferences(word.value);
  // Full expansion (which knows about quotes and escapes) only when something may be unset.
  let unknown = false;
  for (const n of plain) if (!scope.has(n)) { unknown = true; break; }
  if (!unknown) return;
  const defined = scope.toMap();
  for (const name of expand(word.value, defined, ctx.model).unset) {
    if (!plain.has(name)) continue;
    const hint = suggest(name, defined.keys());
    ctx.report(word.range, `Usage of undefined variable '$${name}'${hint ? ` (did you mean $${hint}?)` : ''}`);
  }
}

const SECRET = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const NOT_SECRET = /(?:_|^)public(?:_|$)/i;
const isSecret = (key: string): boolean => SECRET.test(key) && !NOT_SECRET.test(key);

export const SecretsUsedInArgOrEnv: Rule = {
  name: 'SecretsUsedInArgOrEnv',
  source: 'buildkit',
  level: 'warning',
  description: 'Sensitive data should not be used in the ARG or ENV commands',
  url: docs('secrets-used-in-arg-or-env'),
  check(ctx) {
    for (const ins of ctx.model.ast.instructions) {
      if (ins.name === 'arg') {
        for (const d of argDeclarations(ins)) if (isSecret(d.name)) ctx.report(d.word.range, `Do not use ARG or ENV instructions for sensitive data (ARG "${d.name}")`);
      } else if (ins.name === 'env' && ins.body.type === 'KeyValue') {
        for (const p of ins.body.pairs) if (isSecret(p.key.value)) ctx.report(p.key.range, `Do not use ARG or ENV instructions for sensitive data (ENV "${p.key.value}")`);
      }
    }
  },
};

export const WorkdirRelativePath: Rule = {
  name: 'WorkdirRelativePath',
  source: 'buildkit',
  level: 'warning',
  description: 'Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes',
  url: docs('workdir-relative-path'),
  check(ctx) {
    const absolute = new Map<Stage, boolean>();
    for (const stage of ctx.model.stages) {
      let set = stage.parent ? absolute.get(stage.parent) ?? false : false;
      for (const ins of stage.instructions) {
        if (ins.name !== 'workdir' || !ins.args[0]) continue;
        const path = ins.args[0].value.replace(/^["']|["']$/g, '');
        if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) set = true;
        else if (!set && !path.startsWith('$')) {
          ctx.report(ins.args[0].range, `Relative workdir "${path}" can have unexpected results if the base image changes`);
        }
      }
      absolute.set(stage, set);
    }
  },
};
