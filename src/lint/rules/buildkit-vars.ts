import type { Instruction, Range } from '../../syntax/ast.js';
import type { Stage } from '../model.js';
import type { Rule, RuleContext } from '../types.js';
import { expand, plainReferences, someReference, suggest } from '../vars.js';

const docs = (slug: string): string => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;

/** Variables official base images set (golang, node, python, openjdk, ruby, php, nginx, rust...). */
const IMAGE_ENV = new Set(['PATH', 'LANG', 'LC_ALL', 'HOME', 'GOPATH', 'GOLANG_VERSION', 'GOTOOLCHAIN', 'NODE_VERSION', 'YARN_VERSION',
  'PYTHON_VERSION', 'PYTHON_SHA256', 'PIP_VERSION', 'GPG_KEY', 'JAVA_HOME', 'JAVA_VERSION', 'RUBY_VERSION', 'RUBY_MAJOR', 'GEM_HOME',
  'BUNDLE_PATH', 'BUNDLE_SILENCE_ROOT_WARNING', 'BUNDLE_APP_CONFIG', 'PHP_VERSION', 'PHP_INI_DIR', 'PHPIZE_DEPS', 'NGINX_VERSION',
  'NJS_VERSION', 'PKG_RELEASE', 'MAVEN_HOME', 'MAVEN_CONFIG', 'GRADLE_HOME', 'DOTNET_VERSION', 'ASPNET_VERSION', 'CARGO_HOME',
  'RUSTUP_HOME', 'RUST_VERSION']);

/** PATH alone: what a stage on scratch starts with. */
const SCRATCH_ENV: ReadonlySet<string> = new Set(['PATH']);

/**
 * The names in scope at one point of a stage: what it inherits (a chain of the ENV names
 * of the stages it builds on, down to the base image's set; shared, never copied) plus
 * what it declares itself. The full map is built only when a word really needs expanding.
 */
class Scope {
  private own: Set<string> | undefined;
  constructor(private readonly base: Scope | ReadonlySet<string>) {}
  has(name: string): boolean {
    return (this.own !== undefined && this.own.has(name)) || this.base.has(name);
  }
  add(name: string): void {
    (this.own ??= new Set()).add(name);
  }
  /** Every name mapped to a placeholder, in order of first declaration from the base image on. */
  toMap(map = new Map<string, string>()): Map<string, string> {
    if (this.base instanceof Scope) this.base.toMap(map);
    else for (const n of this.base) map.set(n, 'x');
    if (this.own) for (const n of this.own) map.set(n, 'x');
    return map;
  }
}

/** ENV names a stage ends with, inherited by stages built on it. */
function stageEnv(stage: Stage, memo: Map<Stage, Scope>): Scope {
  let scope = memo.get(stage);
  if (scope) return scope;
  scope = new Scope(stage.parent ? stageEnv(stage.parent, memo) : stage.image?.value === 'scratch' ? SCRATCH_ENV : IMAGE_ENV);
  for (const ins of stage.instructions) {
    if (ins.name === 'env' && ins.body.type === 'KeyValue') for (const p of ins.body.pairs) scope.add(p.key.value);
  }
  memo.set(stage, scope);
  return scope;
}

/** Instructions whose arguments BuildKit runs through word expansion. */
const EXPANDED = new Set(['add', 'copy', 'expose', 'label', 'stopsignal', 'user', 'volume', 'workdir']);

/** Checks the words of an instruction that BuildKit expands (ENV values, LABEL keys and values, --chown/--chmod, arguments). */
function checkInstruction(ctx: RuleContext, ins: Instruction, scope: Scope): void {
  if (ins.name === 'env' || ins.name === 'label') {
    if (ins.body.type !== 'KeyValue') return;
    for (const p of ins.body.pairs) {
      if (ins.name === 'label') checkWord(ctx, p.key.value, p.key.range, scope);
      checkWord(ctx, p.value.value, p.value.range, scope);
    }
    return;
  }
  if (!EXPANDED.has(ins.name)) return;
  for (const f of ins.flags) {
    if ((f.name === 'chown' || f.name === 'chmod') && f.value !== null && f.valueRange) checkWord(ctx, f.value, f.valueRange, scope);
  }
  for (const a of ins.args) checkWord(ctx, a.value, a.range, scope);
}

export const UndefinedVar: Rule = {
  name: 'UndefinedVar',
  source: 'buildkit',
  level: 'warning',
  description: 'Variables should be defined before their use',
  url: docs('undefined-var'),
  check(ctx) {
    let memo: Map<Stage, Scope> | undefined;
    for (const stage of ctx.model.stages) {
      // BuildKit always has PATH. It also knows the base image's environment, which a static
      // linter does not: in a stage on an image (not scratch, not another stage), names that
      // official images commonly set are taken as defined rather than reported.
      const external = !stage.parent && stage.image?.value !== 'scratch';
      const defined = new Scope(stage.parent ? stageEnv(stage.parent, (memo ??= new Map())) : external ? IMAGE_ENV : SCRATCH_ENV);
      for (const ins of stage.instructions) {
        if (ins.name === 'arg') {
          for (const word of ins.args) {
            const v = word.value;
            const eq = v.indexOf('=');
            if (eq >= 0 && v.includes('$', eq + 1)) checkWord(ctx, v.slice(eq + 1), word.range, defined);
            defined.add(eq < 0 ? v : v.slice(0, eq));
          }
          continue;
        }
        // Only ENV, LABEL and the instructions BuildKit expands can use a variable (a RUN's own text is long).
        if ((ins.name === 'env' || ins.name === 'label' || EXPANDED.has(ins.name)) && ins.original.includes('$')) checkInstruction(ctx, ins, defined);
        if (ins.name === 'env' && ins.body.type === 'KeyValue') for (const p of ins.body.pairs) defined.add(p.key.value);
      }
    }
  },
};

function checkWord(ctx: RuleContext, value: string, range: Range, scope: Scope): void {
  // Full expansion (which knows about quotes and escapes) only when something may be unset.
  if (!value.includes('$') || !someReference(value, (name) => !scope.has(name))) return;
  const plain = plainReferences(value);
  const defined = scope.toMap();
  for (const name of expand(value, defined, ctx.model).unset) {
    if (!plain.has(name)) continue;
    const hint = suggest(name, defined.keys());
    ctx.report(range, `Usage of undefined variable '$${name}'${hint ? ` (did you mean $${hint}?)` : ''}`);
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
  instructions: ['arg', 'env'],
  check(ctx) {
    for (const ins of ctx.model.ast.instructions) {
      if (ins.name === 'arg') {
        for (const word of ins.args) {
          const eq = word.value.indexOf('=');
          const name = eq < 0 ? word.value : word.value.slice(0, eq);
          if (isSecret(name)) ctx.report(word.range, `Do not use ARG or ENV instructions for sensitive data (ARG "${name}")`);
        }
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
  instructions: ['workdir'],
  check(ctx) {
    const absolute: boolean[] = [];
    for (const stage of ctx.model.stages) {
      let set = stage.parent ? absolute[stage.parent.index] ?? false : false;
      for (const ins of stage.instructions) {
        if (ins.name !== 'workdir' || !ins.args[0]) continue;
        const path = stripQuotes(ins.args[0].value);
        if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) set = true;
        else if (!set && !path.startsWith('$')) {
          ctx.report(ins.args[0].range, `Relative workdir "${path}" can have unexpected results if the base image changes`);
        }
      }
      absolute[stage.index] = set;
    }
  },
};

const isQuote = (c: number): boolean => c === 34 || c === 39;

/** A leading and a trailing quote character removed, each independently. */
function stripQuotes(v: string): string {
  const from = v.length > 0 && isQuote(v.charCodeAt(0)) ? 1 : 0;
  const to = v.length > from && isQuote(v.charCodeAt(v.length - 1)) ? v.length - 1 : v.length;
  return from === 0 && to === v.length ? v : v.slice(from, to);
}
