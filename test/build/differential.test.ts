/**
 * Differential acceptance: each case builds the same Dockerfile and context with
 * slipway and with `buildah bud --format docker`, then compares the image config and
 * the final file tree (type, mode, owner, content, link target; not mtimes) as read
 * back by skopeo + umoci. Where buildah and BuildKit disagree we follow BuildKit; each
 * such case says so and asserts BuildKit's value for that one field.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { archiveConfig, buildah, run, cleanup, makeContext, runtimeConfig, slipway, tree, treeDiff, unpack, type FileSpec } from './harness.js';

after(cleanup);

interface Case {
  name: string;
  dockerfile: string;
  files?: Record<string, FileSpec>;
  buildArgs?: Record<string, string>;
  /** Makes binary context files (archives) before building. */
  prepare?: (ctx: string) => Promise<void>;
  /** Fields where buildah differs from BuildKit: check ours against BuildKit's value, then drop from the comparison. */
  buildkit?: (ours: Record<string, unknown>, theirs: Record<string, unknown>) => void;
}

/**
 * buildah 1.28 leaves the empty mount points it made for a RUN (/etc/hostname,
 * /etc/hosts, /etc/resolv.conf, /run) in the image; BuildKit removes them, and so do we.
 */
const BUILDAH_STUBS = ['f etc/hostname 755 0:0 e3b0c44298fc1c14', 'f etc/hosts 755 0:0 e3b0c44298fc1c14', 'f etc/resolv.conf 755 0:0 e3b0c44298fc1c14', 'd run 755 0:0'];

const ROOTFS = 'FROM scratch\nCOPY rootfs/ /\n';

const cases: Case[] = [
  {
    name: 'config instructions: ENV, LABEL, EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, CMD',
    dockerfile: `${ROOTFS}ENV A=1 B="two words"\nENV A=3\nLABEL x=y "z z"=w\nEXPOSE 80 53/udp 8000-8002\nVOLUME /data /logs\nSTOPSIGNAL SIGINT\nWORKDIR /srv\nUSER 1000:1000\nCMD ["sh", "-c", "echo hi"]\n`,
    // buildah 1.28 keeps a port range as one key; BuildKit (convert_expose.go) expands it.
    buildkit: (ours, theirs) => {
      const ports = theirs.ExposedPorts as Record<string, object>;
      assert.deepEqual(Object.keys(ours.ExposedPorts as object).sort(), ['53/udp', '80/tcp', '8000/tcp', '8001/tcp', '8002/tcp']);
      assert.ok('8000-8002/tcp' in ports);
      delete ports['8000-8002/tcp'];
      for (const p of ['8000/tcp', '8001/tcp', '8002/tcp']) ports[p] = {};
    },
  },
  {
    name: 'shell-form CMD and ENTRYPOINT go through SHELL',
    dockerfile: `${ROOTFS}SHELL ["/bin/sh", "-ec"]\nENTRYPOINT echo "$HOME"\nCMD run now\n`,
    // buildah wraps shell-form CMD/ENTRYPOINT in /bin/sh -c whatever SHELL says; BuildKit uses SHELL.
    buildkit: (ours, theirs) => {
      assert.deepEqual(ours.Entrypoint, ['/bin/sh', '-ec', 'echo "$HOME"']);
      assert.deepEqual(ours.Cmd, ['/bin/sh', '-ec', 'run now']);
      assert.deepEqual(theirs.Entrypoint, ['/bin/sh', '-c', 'echo "$HOME"']);
      theirs.Entrypoint = ours.Entrypoint;
      theirs.Cmd = ours.Cmd;
    },
  },
  {
    name: 'ENTRYPOINT resets a CMD inherited from the base stage, keeps one set in its own stage',
    dockerfile: `FROM scratch AS zero\nCOPY rootfs/ /\nCMD ["base-cmd"]\nFROM zero AS second\nENTRYPOINT ["/bin/echo"]\nFROM second\nCMD ["kept"]\nENTRYPOINT ["/bin/true"]\n`,
  },
  {
    name: 'HEALTHCHECK, ONBUILD and SHELL are kept in the docker config',
    dockerfile: `${ROOTFS}HEALTHCHECK --interval=5s --timeout=3s --retries=2 CMD wget -q localhost || exit 1\nONBUILD RUN echo triggered\nSHELL ["/bin/sh", "-xc"]\n`,
  },
  {
    name: 'RUN writes, deletes (whiteouts) and replaces a directory (opaque)',
    dockerfile: `${ROOTFS}RUN mkdir -p /d/sub && echo a > /d/sub/a && echo b > /d/b && echo keep > /k\nRUN rm -rf /d && mkdir /d && echo new > /d/new && rm /k && ln -s /d/new /link\n`,
  },
  {
    name: 'COPY: rename, trailing slash, several files into a directory, existing directory',
    dockerfile: `${ROOTFS}COPY a.txt /renamed.txt\nCOPY a.txt /dir/\nCOPY a.txt b.txt /multi/\nCOPY b.txt /etc\n`,
    files: { 'a.txt': 'A\n', 'b.txt': { data: 'B\n', mode: 0o600 } },
  },
  {
    name: 'COPY: directory contents, not the directory; nested directories and modes',
    dockerfile: `${ROOTFS}COPY src /app/\nCOPY src/ /app2\nCOPY src/nested /n\n`,
    files: { 'src/x.js': 'x', 'src/nested/y.js': { data: 'y', mode: 0o755 }, 'src/nested/deeper/z': 'z', 'src/empty': { dir: true } },
  },
  {
    name: 'COPY wildcards',
    dockerfile: `${ROOTFS}COPY *.txt /w/\nCOPY s?c/*.js /js/\nCOPY [ab].md /md/\n`,
    files: { 'one.txt': '1', 'two.txt': '2', 'src/a.js': 'a', 'src/b.ts': 'b', 'a.md': 'a', 'c.md': 'c' },
  },
  {
    name: 'COPY --chown with names from the image passwd/group, and numeric ids',
    dockerfile: `${ROOTFS}RUN echo 'app:x:1000:1001::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1001:' >> /etc/group && echo 'staff:x:50:' >> /etc/group\nCOPY --chown=app f /by-name\nCOPY --chown=app:staff f /by-names\nCOPY --chown=7:8 f /numeric\nCOPY --chown=app:staff d /owned-dir/\n`,
    files: { f: 'f', 'd/inner': 'i' },
  },
  {
    name: 'COPY --chmod',
    dockerfile: `${ROOTFS}COPY --chmod=0755 run.sh /bin/run.sh\nCOPY --chmod=600 d/ /private/\n`,
    files: { 'run.sh': '#!/bin/sh\necho run\n', 'd/a': 'a', 'd/b': 'b' },
  },
  {
    name: 'ADD extracts local tar archives (plain, gzip, xz) and copies other files as they are',
    dockerfile: `${ROOTFS}ADD pkg.tar /plain/\nADD pkg.tgz /gz\nADD pkg.tar.xz /xz/\nADD plain.txt /plain/\nADD notatar.gz /raw/\n`,
    files: { 'plain.txt': 'p', 'notatar.gz': 'not really gzip', 'pkg/file': { data: 'inside', mode: 0o640 }, 'pkg/sub/x': 'x' },
    prepare: async (ctx) => {
      await run('tar', ['-C', ctx, '--owner=12', '--group=34', '-cf', `${ctx}/pkg.tar`, 'pkg']);
      await run('sh', ['-c', `gzip -c ${ctx}/pkg.tar > ${ctx}/pkg.tgz && xz -c ${ctx}/pkg.tar > ${ctx}/pkg.tar.xz`]);
    },
  },
  {
    name: 'USER from /etc/passwd: RUN as that user; WORKDIR created',
    dockerfile: `${ROOTFS}RUN echo 'runner:x:1234:1234::/home/runner:/bin/sh' >> /etc/passwd && echo 'runner:x:1234:' >> /etc/group\nUSER runner\nRUN id > /tmp/id.txt && touch /tmp/owned\nUSER root\nWORKDIR /made/here\nRUN pwd > /pwd.txt\n`,
  },
  {
    name: 'multi-stage: COPY --from by name and by index, unrelated stages skipped',
    dockerfile: `FROM scratch AS base\nCOPY rootfs/ /\nFROM base AS builder\nRUN mkdir /out && echo built > /out/artifact && chmod 751 /out\nFROM base AS unused\nRUN exit 1\nFROM base\nCOPY --from=builder /out /out\nCOPY --from=1 /out/artifact /copy-by-index\n`,
  },
  {
    name: 'ARG and ENV scoping with --build-arg',
    dockerfile: `ARG GLOBAL=g\n${ROOTFS}ARG V=1\nARG GLOBAL\nENV E=$V-e\nARG V=2\nRUN echo "$V $E $GLOBAL" > /args.txt\nENV V=env-wins\nRUN echo "$V" > /v.txt\nLABEL from-arg=$GLOBAL\n`,
    buildArgs: { V: 'cli' },
  },
  {
    name: '.dockerignore: patterns, ** and ! exceptions',
    dockerfile: `${ROOTFS}COPY . /ctx/\n`,
    files: {
      '.dockerignore': '*.log\n!keep.log\nsecret/\n**/*.tmp\nDockerfile\n',
      'a.log': 'x', 'keep.log': 'k', 'secret/s': 's', 'sub/x.tmp': 't', 'sub/x.txt': 'x', 'top.txt': 't',
    },
  },
  {
    name: '.dockerignore: an exception re-includes entries inside an excluded directory',
    dockerfile: `${ROOTFS}COPY . /ctx/\nCOPY vendor /v/\n`,
    files: {
      '.dockerignore': 'vendor\n!vendor/keep\ncache/**\n!cache/**/*.idx\n',
      'vendor/keep/f': 'k', 'vendor/drop/f': 'd', 'vendor/top': 't', 'cache/a/b.idx': 'i', 'cache/a/b.dat': 'd', 'cache/c.dat': 'c', 'top.txt': 't',
    },
  },
  {
    name: 'symlinks in the context: a top-level source is followed, links inside directories are kept',
    dockerfile: `${ROOTFS}COPY link.txt /followed.txt\nCOPY tree/ /tree/\n`,
    files: { 'real.txt': 'real', 'link.txt': { symlink: 'real.txt' }, 'tree/f': 'f', 'tree/rel': { symlink: 'f' }, 'tree/abs': { symlink: '/etc/passwd' } },
  },
  {
    name: 'WORKDIR relative chain and COPY relative to it',
    dockerfile: `${ROOTFS}WORKDIR /a\nWORKDIR b\nCOPY f .\nCOPY f rel/\nRUN pwd > /pwd.txt\n`,
    files: { f: 'f' },
  },
  {
    name: 'COPY over earlier layers: overwrites a file, merges into a directory, keeps what it does not touch',
    dockerfile: `${ROOTFS}RUN echo old > /etc/motd && mkdir -p /keep/sub && echo k > /keep/k && echo s > /keep/sub/s && chmod 700 /keep/sub\nCOPY motd /etc/motd\nCOPY keep/ /keep/\n`,
    files: { motd: 'new motd\n', 'keep/k': 'replaced', 'keep/added': 'a', 'keep/sub/t': 't' },
  },
];

for (const c of cases) {
  test(`slipway and buildah agree: ${c.name}`, async () => {
    const files = { ...(c.files ?? {}), Dockerfile: c.dockerfile };
    const ctx = makeContext(files);
    await c.prepare?.(ctx);
    const args = Object.entries(c.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    const [ours, theirs] = await Promise.all([slipway(ctx, { buildArgs: c.buildArgs ?? {} }), buildah(ctx, args)]);
    const ourConfig = runtimeConfig(await archiveConfig(ours.archive));
    const theirConfig = runtimeConfig(await archiveConfig(theirs));
    c.buildkit?.(ourConfig, theirConfig);
    assert.deepEqual(ourConfig, theirConfig);
    const [ourTree, theirTree] = [tree(await unpack(ours.archive)), tree(await unpack(theirs)).filter((e) => !BUILDAH_STUBS.includes(e))];
    assert.deepEqual(treeDiff(ourTree, theirTree), { onlyA: [], onlyB: [] });
  });
}
