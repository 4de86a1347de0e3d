import { afterSubcommand, cmdHasArgs, hasArg, hasFlag, isCommand, operands } from '../command.js';
import type { Script, SimpleCommand } from '../shell.js';
import type { Rule } from '../types.js';
import { commandRule, dl, hasCacheMount, runRule, runs } from './dl.js';

/** hadolint's package-manager rules, read from the commands a RUN runs. */

const aptInstall = (c: SimpleCommand): boolean => cmdHasArgs(c, 'apt-get', 'install');
const aptPackages = (c: SimpleCommand): string[] => afterSubcommand(c, 'install', ['t', 'target-release', 'o', 'option', 'c', 'config-file']);
const has = (s: Script, p: (c: SimpleCommand) => boolean): boolean => s.commands.some(p);

export const DL3008 = commandRule('DL3008', 'warning', 'Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`',
  (c) => aptInstall(c) && aptPackages(c).some((p) => !p.includes('=') && !p.includes('/') && !p.endsWith('.deb')), ['apt-get']);

export const DL3009: Rule = dl('DL3009', 'info', 'Delete the apt-get lists after installing something', (ctx) => {
  const last = ctx.model.stages[ctx.model.stages.length - 1];
  const usedLater = new Set(ctx.model.stages.filter((s) => s.parent).map((s) => s.parent!));
  for (const run of runs(ctx)) {
    if (!run.text.includes('apt-get')) continue;
    const { ins, script, stage } = run;
    if (!script.names.has('apt-get') || !has(script, (c) => cmdHasArgs(c, 'apt-get', 'update'))) continue;
    if (has(script, (c) => isCommand(c, 'rm') && c.args.some((a) => a.value.startsWith('/var/lib/apt/lists')))) continue;
    if (hasCacheMount(ins, '/var/lib/apt/lists') || (hasCacheMount(ins, '/var/lib/apt') && hasCacheMount(ins, '/var/cache/apt'))) continue;
    // Only the image that ships matters: the last stage and stages others build on.
    if (stage && stage !== last && !usedLater.has(stage)) continue;
    ctx.report(ins.range, 'Delete the apt-get lists after installing something');
  }
});

const yes = (c: SimpleCommand, ...flags: string[]): boolean =>
  hasFlag(c, ...flags) || c.args.filter((a) => /^-[a-z]*q/.test(a.value) && !a.value.startsWith('--')).reduce((n, a) => n + [...a.value].filter((ch) => ch === 'q').length, 0) >= 2;

export const DL3014 = commandRule('DL3014', 'warning', 'Use the `-y` switch to avoid manual input `apt-get -y install <package>`',
  (c) => aptInstall(c) && !yes(c, 'y', 'yes', 'assume-yes'), ['apt-get']);

export const DL3015 = commandRule('DL3015', 'info', 'Avoid additional packages by specifying `--no-install-recommends`',
  (c) => aptInstall(c) && !hasFlag(c, 'no-install-recommends') && !c.args.some((a) => a.value.includes('APT::Install-Recommends=false')), ['apt-get']);

export const DL3027 = commandRule('DL3027', 'warning', 'Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead', (c) => c.name === 'apt', ['apt']);

const apkAdd = (c: SimpleCommand): boolean => cmdHasArgs(c, 'apk', 'add');
export const DL3018 = commandRule('DL3018', 'warning', 'Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`',
  (c) => apkAdd(c) && afterSubcommand(c, 'add', ['t', 'virtual', 'repository', 'X']).some((p) => !p.includes('=') && !p.includes('~') && !p.endsWith('.apk')), ['apk']);
export const DL3019 = runRule('DL3019', 'info', 'Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages',
  (s, ins) => !hasCacheMount(ins, '/var/cache/apk') && has(s, (c) => apkAdd(c) && !hasFlag(c, 'no-cache')), ['apk']);

/** pip, pip3, pip3.12, python -m pip: the names a script must run for the pip rules to look. */
const PIP_NAMES = ['pip', 'pip2', 'pip3', 'python', 'python2', 'python3', ...Array.from({ length: 14 }, (_, i) => [`pip3.${i}`, `python3.${i}`]).flat()];
const isPip = (c: SimpleCommand): boolean => /^pip[0-9.]*$/.test(c.name.slice(c.name.lastIndexOf('/') + 1))
  || (/^python[0-9.]*$/.test(c.name.slice(c.name.lastIndexOf('/') + 1)) && c.args[0]?.value === '-m' && c.args[1]?.value === 'pip');
const pipInstall = (c: SimpleCommand): boolean => isPip(c) && hasArg(c, 'install');
const PIP_VALUE_FLAGS = ['abi', 'b', 'build', 'e', 'editable', 'extra-index-url', 'f', 'find-links', 'i', 'index-url', 'implementation', 'no-binary', 'only-binary', 'platform', 'prefix', 'progress-bar', 'proxy', 'python-version', 'root', 'src', 't', 'target', 'trusted-host', 'upgrade-strategy', 'm'];
const VCS = /^(?:git|hg|svn|bzr)(?:\+[a-z-]+)?:/;
const pipPinned = (p: string): boolean => ['==', '>=', '<=', '>', '<', '!=', '~=', '==='].some((s) => p.includes(s))
  || (VCS.test(p) && p.includes('@')) || p.endsWith('.whl') || p.endsWith('.tar.gz') || (!VCS.test(p) && p.includes('/'));

export const DL3013 = commandRule('DL3013', 'warning', 'Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`',
  (c) => pipInstall(c) && !hasFlag(c, 'r', 'requirement', 'c', 'constraint') && !hasArg(c, '.')
    && afterSubcommand(c, 'install', PIP_VALUE_FLAGS).some((p) => !pipPinned(p)), PIP_NAMES);

export const DL3042: Rule = dl('DL3042', 'warning', 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`', (ctx) => {
  for (const run of runs(ctx)) {
    if (!run.text.includes('pip')) continue;
    const { ins, script, stage } = run;
    if (!PIP_NAMES.some((n) => script.names.has(n))) continue;
    const envSet = stage?.instructions.some((i) => i.name === 'env' && i.range.start.offset < ins.range.start.offset && i.body.type === 'KeyValue' && i.body.pairs.some((p) => p.key.value === 'PIP_NO_CACHE_DIR'));
    if (envSet || hasCacheMount(ins, '/root/.cache/pip') || hasCacheMount(ins, '/root/.cache')) continue;
    if (has(script, (c) => pipInstall(c) && !hasFlag(c, 'no-cache-dir'))) {
      ctx.report(ins.range, 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`');
    }
  }
});

const npmPinned = (p: string): boolean => {
  if (/^git(?:\+[a-z]+)?:\/\//.test(p)) return p.includes('#');
  if (/\.(?:tar|tar\.gz|tgz)$/.test(p) || /^(?:\/|\.\/|\.\.\/|~\/)/.test(p)) return true;
  return (p.startsWith('@') ? p.slice(1) : p).includes('@');
};
export const DL3016 = commandRule('DL3016', 'warning', 'Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`',
  (c) => isCommand(c, 'npm') && operands(c)[0] === 'install' && operands(c).slice(1).some((p) => !npmPinned(p)), ['npm']);

export const DL3028 = commandRule('DL3028', 'warning', 'Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`',
  (c) => cmdHasArgs(c, 'gem', 'install') && !hasFlag(c, 'v', 'version') && afterSubcommand(c, 'install', ['source', 'i', 'install-dir', 'n', 'bindir']).some((p) => !p.includes(':')), ['gem']);

export const DL3060 = runRule('DL3060', 'info', '`yarn cache clean` missing after `yarn install` was run.',
  (s, ins) => !hasCacheMount(ins, '/usr/local/share/.cache/yarn') && has(s, (c) => cmdHasArgs(c, 'yarn', 'install')) && !has(s, (c) => isCommand(c, 'yarn') && hasArg(c, 'cache') && hasArg(c, 'clean')), ['yarn']);

export const DL3062 = commandRule('DL3062', 'warning', 'Pin versions in go install. Instead of `go install <package>` use `go install <package>@<version>`',
  (c) => cmdHasArgs(c, 'go', 'install') && afterSubcommand(c, 'install').some((p) => !p.includes('@') && !p.startsWith('.') && !p.startsWith('/')), ['go']);

/** yum, dnf/microdnf and zypper: non-interactive switch, cleanup, version pinning. */
const yumInstall = (c: SimpleCommand): boolean => cmdHasArgs(c, 'yum', 'install', 'groupinstall', 'localinstall', 'reinstall');
const dnfInstall = (c: SimpleCommand): boolean => (isCommand(c, 'dnf') || isCommand(c, 'microdnf')) && hasArg(c, 'install', 'groupinstall', 'localinstall', 'reinstall');
const zypperInstall = (c: SimpleCommand): boolean => isCommand(c, 'zypper') && hasArg(c, 'install', 'in', 'remove', 'rm', 'source-install', 'si', 'patch');
const rpmPinned = (p: string): boolean => /-\d/.test(p) || p.endsWith('.rpm') || p.includes(':');

export const DL3030 = commandRule('DL3030', 'warning', 'Use the -y switch to avoid manual input `yum install -y <package>`', (c) => yumInstall(c) && !hasFlag(c, 'y', 'assumeyes'), ['yum']);
export const DL3032 = runRule('DL3032', 'warning', '`yum clean all` missing after yum command.',
  (s, ins) => !hasCacheMount(ins, '/var/cache/yum') && has(s, yumInstall) && !has(s, (c) => cmdHasArgs(c, 'yum', 'clean') && hasArg(c, 'all')) && !has(s, (c) => isCommand(c, 'rm') && c.args.some((a) => a.value.startsWith('/var/cache/yum'))), ['yum']);
export const DL3033 = commandRule('DL3033', 'warning', 'Specify version with `yum install -y <package>-<version>`.',
  (c) => yumInstall(c) && !hasArg(c, 'module') && afterSubcommand(c, 'install').some((p) => !rpmPinned(p)), ['yum']);
export const DL3038 = commandRule('DL3038', 'warning', 'Use the -y switch to avoid manual input `dnf install -y <package>`', (c) => dnfInstall(c) && !hasFlag(c, 'y', 'assumeyes'), ['dnf', 'microdnf']);
export const DL3040 = runRule('DL3040', 'warning', '`dnf clean all` missing after dnf command.',
  (s, ins) => !hasCacheMount(ins, '/var/cache/dnf') && has(s, dnfInstall) && !has(s, (c) => (isCommand(c, 'dnf') || isCommand(c, 'microdnf')) && hasArg(c, 'clean') && hasArg(c, 'all')) && !has(s, (c) => isCommand(c, 'rm') && c.args.some((a) => a.value.startsWith('/var/cache/dnf') || a.value.startsWith('/var/cache/yum'))), ['dnf', 'microdnf']);
export const DL3041 = commandRule('DL3041', 'warning', 'Specify version with `dnf install -y <package>-<version>`',
  (c) => dnfInstall(c) && !hasArg(c, 'module') && afterSubcommand(c, 'install').some((p) => !rpmPinned(p)), ['dnf', 'microdnf']);
export const DL3034 = commandRule('DL3034', 'warning', 'Non-interactive switch missing from `zypper` command: `zypper install -y`', (c) => zypperInstall(c) && !hasFlag(c, 'n', 'non-interactive', 'y', 'no-confirm'), ['zypper']);
export const DL3035 = commandRule('DL3035', 'warning', 'Do not use `zypper dist-upgrade`.', (c) => cmdHasArgs(c, 'zypper', 'dist-upgrade', 'dup'), ['zypper']);
export const DL3036 = runRule('DL3036', 'warning', '`zypper clean` missing after zypper use.',
  (s) => has(s, zypperInstall) && !has(s, (c) => cmdHasArgs(c, 'zypper', 'clean', 'cc')), ['zypper']);
export const DL3037 = commandRule('DL3037', 'warning', 'Specify version with `zypper install -y <package>=<version>`.',
  (c) => isCommand(c, 'zypper') && hasArg(c, 'install', 'in') && operands(c).slice(1).some((p) => !/[=<>]/.test(p) && !p.endsWith('.rpm')), ['zypper']);

export const PACKAGE_RULES: readonly Rule[] = [DL3008, DL3009, DL3013, DL3014, DL3015, DL3016, DL3018, DL3019, DL3027, DL3028, DL3030, DL3032, DL3033, DL3034, DL3035, DL3036, DL3037, DL3038, DL3040, DL3041, DL3042, DL3060, DL3062];
