import { afterSubcommand, cmdHasArg, hasArg, hasFlag, hasWord, isCommand, operands } from '../command.js';
import type { Instruction } from '../../syntax/ast.js';
import type { Stage } from '../model.js';
import type { Script, SimpleCommand } from '../shell.js';
import type { Rule } from '../types.js';
import { commandRule, dl, hasCacheMount, runRule, runs } from './dl.js';

/** hadolint's package-manager rules, read from the commands a RUN runs. */

const APT_VALUE_FLAGS = ['t', 'target-release', 'o', 'option', 'c', 'config-file'];
const aptInstall = (c: SimpleCommand): boolean => cmdHasArg(c, 'apt-get', 'install');
const aptPackages = (c: SimpleCommand): string[] => afterSubcommand(c, 'install', APT_VALUE_FLAGS);

/** Some command of the script run as `name` (any directory) satisfies `p`. */
function runs1(s: Script, name: string, p: (c: SimpleCommand) => boolean): boolean {
  const list = s.byName.get(name);
  if (list) for (let i = 0; i < list.length; i++) if (p(list[i]!)) return true;
  return false;
}

const removes = (c: SimpleCommand, prefix: string): boolean => c.args.some((a) => a.value.startsWith(prefix));

export const DL3008 = commandRule('DL3008', 'warning', 'Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`',
  (c) => aptInstall(c) && aptPackages(c).some((p) => !p.includes('=') && !p.includes('/') && !p.endsWith('.deb')), ['apt-get']);

export const DL3009: Rule = dl('DL3009', 'info', 'Delete the apt-get lists after installing something', (ctx) => {
  const stages = ctx.model.stages;
  const last = stages[stages.length - 1];
  for (const run of runs(ctx)) {
    // The text test keeps scripts that spell the name with quotes (`apt"-get"`) out, as before.
    if (!run.script.byName.has('apt-get') || !run.text.includes('apt-get')) continue;
    const { ins, script, stage } = run;
    if (!runs1(script, 'apt-get', aptUpdate)) continue;
    if (runs1(script, 'rm', removesAptLists)) continue;
    if (hasCacheMount(ins, '/var/lib/apt/lists') || (hasCacheMount(ins, '/var/lib/apt') && hasCacheMount(ins, '/var/cache/apt'))) continue;
    // Only the image that ships matters: the last stage and stages others build on.
    if (stage && stage !== last && !stages.some((s) => s.parent === stage)) continue;
    ctx.report(ins.range, 'Delete the apt-get lists after installing something');
  }
}, { commands: ['apt-get'] });

const aptUpdate = (c: SimpleCommand): boolean => hasWord(c, 'update');
const removesAptLists = (c: SimpleCommand): boolean => removes(c, '/var/lib/apt/lists');

const QUIET = /^-[a-z]*q/;
/** `-y`, or quiet level 2 (`-qq`, `-q -q`), which implies yes. */
function yes(c: SimpleCommand, flags: readonly string[]): boolean {
  if (hasFlag(c, flags)) return true;
  let q = 0;
  for (const a of c.args) {
    const v = a.value;
    if (!QUIET.test(v) || v.startsWith('--')) continue;
    for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) === 113) q++;
  }
  return q >= 2;
}

const APT_YES = ['y', 'yes', 'assume-yes'];
export const DL3014 = commandRule('DL3014', 'warning', 'Use the `-y` switch to avoid manual input `apt-get -y install <package>`',
  (c) => aptInstall(c) && !yes(c, APT_YES), ['apt-get']);

const NO_RECOMMENDS = ['no-install-recommends'];
export const DL3015 = commandRule('DL3015', 'info', 'Avoid additional packages by specifying `--no-install-recommends`',
  (c) => aptInstall(c) && !hasFlag(c, NO_RECOMMENDS) && !c.args.some((a) => a.value.includes('APT::Install-Recommends=false')), ['apt-get']);

export const DL3027 = commandRule('DL3027', 'warning', 'Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead', (c) => c.name === 'apt', ['apt']);

const apkAdd = (c: SimpleCommand): boolean => cmdHasArg(c, 'apk', 'add');
const APK_VALUE_FLAGS = ['t', 'virtual', 'repository', 'X'];
export const DL3018 = commandRule('DL3018', 'warning', 'Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`',
  (c) => apkAdd(c) && afterSubcommand(c, 'add', APK_VALUE_FLAGS).some((p) => !p.includes('=') && !p.includes('~') && !p.endsWith('.apk')), ['apk']);
const NO_CACHE = ['no-cache'];
const apkAddCached = (c: SimpleCommand): boolean => apkAdd(c) && !hasFlag(c, NO_CACHE);
export const DL3019 = runRule('DL3019', 'info', 'Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages',
  (s, ins) => runs1(s, 'apk', apkAddCached) && !hasCacheMount(ins, '/var/cache/apk'), ['apk']);

/** pip, pip3, pip3.12, python -m pip: the names a script must run for the pip rules to look. */
const PIP_NAMES = ['pip', 'pip2', 'pip3', 'python', 'python2', 'python3', ...Array.from({ length: 14 }, (_, i) => [`pip3.${i}`, `python3.${i}`]).flat()];
const PIP_SET: ReadonlySet<string> = new Set(PIP_NAMES);
const isPip = (c: SimpleCommand): boolean => /^pip[0-9.]*$/.test(c.base)
  || (/^python[0-9.]*$/.test(c.base) && c.args[0]?.value === '-m' && c.args[1]?.value === 'pip');
const pipInstall = (c: SimpleCommand): boolean => isPip(c) && hasWord(c, 'install');
const PIP_VALUE_FLAGS = ['abi', 'b', 'build', 'e', 'editable', 'extra-index-url', 'f', 'find-links', 'i', 'index-url', 'implementation', 'no-binary', 'only-binary', 'platform', 'prefix', 'progress-bar', 'proxy', 'python-version', 'root', 'src', 't', 'target', 'trusted-host', 'upgrade-strategy', 'm'];
const VCS = /^(?:git|hg|svn|bzr)(?:\+[a-z-]+)?:/;
const PIP_OPERATORS = ['==', '>=', '<=', '>', '<', '!=', '~=', '==='];
const pipPinned = (p: string): boolean => PIP_OPERATORS.some((s) => p.includes(s))
  || (VCS.test(p) && p.includes('@')) || p.endsWith('.whl') || p.endsWith('.tar.gz') || (!VCS.test(p) && p.includes('/'));

const PIP_FILES = ['r', 'requirement', 'c', 'constraint'];
export const DL3013 = commandRule('DL3013', 'warning', 'Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`',
  (c) => pipInstall(c) && !hasFlag(c, PIP_FILES) && !hasWord(c, '.')
    && afterSubcommand(c, 'install', PIP_VALUE_FLAGS).some((p) => !pipPinned(p)), PIP_NAMES);

const NO_CACHE_DIR = ['no-cache-dir'];

/** `ENV PIP_NO_CACHE_DIR=...` earlier in the stage. */
function pipNoCacheEnv(stage: Stage, ins: Instruction): boolean {
  for (const i of stage.instructions) {
    if (i.range.start.offset >= ins.range.start.offset) return false;
    if (i.name === 'env' && i.body.type === 'KeyValue' && i.body.pairs.some((p) => p.key.value === 'PIP_NO_CACHE_DIR')) return true;
  }
  return false;
}
const pipCaching = (c: SimpleCommand): boolean => pipInstall(c) && !hasFlag(c, NO_CACHE_DIR);
export const DL3042: Rule = dl('DL3042', 'warning', 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`', (ctx) => {
  // Most files run no pip at all: one pass over the file's command names.
  let pip = false;
  for (const n of ctx.commandNames()) if (PIP_SET.has(n)) { pip = true; break; }
  if (!pip) return;
  for (const run of runs(ctx)) {
    if (!run.text.includes('pip')) continue;
    const { ins, script, stage } = run;
    if (!PIP_NAMES.some((n) => script.byName.has(n))) continue;
    if ((stage && pipNoCacheEnv(stage, ins)) || hasCacheMount(ins, '/root/.cache/pip') || hasCacheMount(ins, '/root/.cache')) continue;
    if (script.commands.some(pipCaching)) {
      ctx.report(ins.range, 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`');
    }
  }
}, { commands: PIP_NAMES });

const npmPinned = (p: string): boolean => {
  if (/^git(?:\+[a-z]+)?:\/\//.test(p)) return p.includes('#');
  if (/\.(?:tar|tar\.gz|tgz)$/.test(p) || /^(?:\/|\.\/|\.\.\/|~\/)/.test(p)) return true;
  return (p.startsWith('@') ? p.slice(1) : p).includes('@');
};
export const DL3016 = commandRule('DL3016', 'warning', 'Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`',
  (c) => {
    if (!isCommand(c, 'npm')) return false;
    const ops = operands(c);
    if (ops[0] !== 'install') return false;
    for (let i = 1; i < ops.length; i++) if (!npmPinned(ops[i]!)) return true;
    return false;
  }, ['npm']);

const GEM_VERSION = ['v', 'version'];
const GEM_VALUE_FLAGS = ['source', 'i', 'install-dir', 'n', 'bindir'];
export const DL3028 = commandRule('DL3028', 'warning', 'Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`',
  (c) => cmdHasArg(c, 'gem', 'install') && !hasFlag(c, GEM_VERSION) && afterSubcommand(c, 'install', GEM_VALUE_FLAGS).some((p) => !p.includes(':')), ['gem']);

const yarnInstall = (c: SimpleCommand): boolean => hasWord(c, 'install');
const yarnCacheClean = (c: SimpleCommand): boolean => hasWord(c, 'cache') && hasWord(c, 'clean');
export const DL3060 = runRule('DL3060', 'info', '`yarn cache clean` missing after `yarn install` was run.',
  (s, ins) => runs1(s, 'yarn', yarnInstall) && !runs1(s, 'yarn', yarnCacheClean) && !hasCacheMount(ins, '/usr/local/share/.cache/yarn'), ['yarn']);

export const DL3062 = commandRule('DL3062', 'warning', 'Pin versions in go install. Instead of `go install <package>` use `go install <package>@<version>`',
  (c) => cmdHasArg(c, 'go', 'install') && afterSubcommand(c, 'install').some((p) => !p.includes('@') && !p.startsWith('.') && !p.startsWith('/')), ['go']);

/** yum, dnf/microdnf and zypper: non-interactive switch, cleanup, version pinning. */
const RPM_INSTALL = ['install', 'groupinstall', 'localinstall', 'reinstall'];
const ZYPPER_INSTALL = ['install', 'in', 'remove', 'rm', 'source-install', 'si', 'patch'];
const isDnf = (c: SimpleCommand): boolean => isCommand(c, 'dnf') || isCommand(c, 'microdnf');
const yumInstall = (c: SimpleCommand): boolean => isCommand(c, 'yum') && hasArg(c, RPM_INSTALL);
const dnfInstall = (c: SimpleCommand): boolean => isDnf(c) && hasArg(c, RPM_INSTALL);
const zypperInstall = (c: SimpleCommand): boolean => isCommand(c, 'zypper') && hasArg(c, ZYPPER_INSTALL);
const RPM_YES = ['y', 'assumeyes'];
const yumClean = (c: SimpleCommand): boolean => hasWord(c, 'clean') && hasWord(c, 'all');
const removesYumCache = (c: SimpleCommand): boolean => removes(c, '/var/cache/yum');
const removesDnfCache = (c: SimpleCommand): boolean => c.args.some((a) => a.value.startsWith('/var/cache/dnf') || a.value.startsWith('/var/cache/yum'));
const rpmPinned = (p: string): boolean => /-\d/.test(p) || p.endsWith('.rpm') || p.includes(':');

export const DL3030 = commandRule('DL3030', 'warning', 'Use the -y switch to avoid manual input `yum install -y <package>`', (c) => yumInstall(c) && !hasFlag(c, RPM_YES), ['yum']);
export const DL3032 = runRule('DL3032', 'warning', '`yum clean all` missing after yum command.',
  (s, ins) => runs1(s, 'yum', yumInstall) && !runs1(s, 'yum', yumClean) && !runs1(s, 'rm', removesYumCache) && !hasCacheMount(ins, '/var/cache/yum'), ['yum']);
export const DL3033 = commandRule('DL3033', 'warning', 'Specify version with `yum install -y <package>-<version>`.',
  (c) => yumInstall(c) && !hasWord(c, 'module') && afterSubcommand(c, 'install').some((p) => !rpmPinned(p)), ['yum']);
export const DL3038 = commandRule('DL3038', 'warning', 'Use the -y switch to avoid manual input `dnf install -y <package>`', (c) => dnfInstall(c) && !hasFlag(c, RPM_YES), ['dnf', 'microdnf']);
export const DL3040 = runRule('DL3040', 'warning', '`dnf clean all` missing after dnf command.',
  (s, ins) => (runs1(s, 'dnf', dnfInstall) || runs1(s, 'microdnf', dnfInstall)) && !runs1(s, 'dnf', yumClean) && !runs1(s, 'microdnf', yumClean)
    && !runs1(s, 'rm', removesDnfCache) && !hasCacheMount(ins, '/var/cache/dnf'), ['dnf', 'microdnf']);
export const DL3041 = commandRule('DL3041', 'warning', 'Specify version with `dnf install -y <package>-<version>`',
  (c) => dnfInstall(c) && !hasWord(c, 'module') && afterSubcommand(c, 'install').some((p) => !rpmPinned(p)), ['dnf', 'microdnf']);
const ZYPPER_YES = ['n', 'non-interactive', 'y', 'no-confirm'];
export const DL3034 = commandRule('DL3034', 'warning', 'Non-interactive switch missing from `zypper` command: `zypper install -y`', (c) => zypperInstall(c) && !hasFlag(c, ZYPPER_YES), ['zypper']);
const ZYPPER_DUP = ['dist-upgrade', 'dup'];
export const DL3035 = commandRule('DL3035', 'warning', 'Do not use `zypper dist-upgrade`.', (c) => isCommand(c, 'zypper') && hasArg(c, ZYPPER_DUP), ['zypper']);
const ZYPPER_CLEAN = ['clean', 'cc'];
const zypperClean = (c: SimpleCommand): boolean => hasArg(c, ZYPPER_CLEAN);
export const DL3036 = runRule('DL3036', 'warning', '`zypper clean` missing after zypper use.',
  (s) => runs1(s, 'zypper', zypperInstall) && !runs1(s, 'zypper', zypperClean), ['zypper']);
const ZYPPER_IN = ['install', 'in'];
export const DL3037 = commandRule('DL3037', 'warning', 'Specify version with `zypper install -y <package>=<version>`.',
  (c) => isCommand(c, 'zypper') && hasArg(c, ZYPPER_IN) && operands(c).slice(1).some((p) => !/[=<>]/.test(p) && !p.endsWith('.rpm')), ['zypper']);

export const PACKAGE_RULES: readonly Rule[] = [DL3008, DL3009, DL3013, DL3014, DL3015, DL3016, DL3018, DL3019, DL3027, DL3028, DL3030, DL3032, DL3033, DL3034, DL3035, DL3036, DL3037, DL3038, DL3040, DL3041, DL3042, DL3060, DL3062];
