/**
 * The instruction table: the one list of Dockerfile keywords, their builder flags and
 * the argument forms they take. The parser picks each keyword's line parser from here;
 * the instruction checker validates flags against it; the linter reads it for rule data.
 *
 * Facts follow BuildKit's Dockerfile frontend (moby/buildkit frontend/dockerfile:
 * parser/parser.go dispatch table, instructions/parse.go flag declarations) and the
 * Dockerfile reference for effective defaults.
 */

/** The 18 keywords, lowercased (the parser matches keywords case-insensitively). */
export const KEYWORDS = [
  'add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck',
  'label', 'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir',
] as const;

export type Keyword = (typeof KEYWORDS)[number];

/**
 * How a flag's value is read once the checker parses it (BuildKit's BFlags):
 * - `bool`: `--link` means true; `--link=true` / `--link=false` also accepted.
 * - `string`: `--from=stage`; a value is required.
 * - `enum`: a string restricted to `values`.
 * - `duration`: a Go duration (`30s`, `1m30s`); 0 means "use the default".
 * - `uint`: a non-negative decimal integer.
 */
export type FlagType = 'bool' | 'string' | 'enum' | 'duration' | 'uint';

export interface FlagSpec {
  /** Without the leading `--`. */
  readonly name: string;
  readonly type: FlagType;
  /** May be given more than once (values accumulate, e.g. `--mount`); otherwise a duplicate is an error. */
  readonly repeatable: boolean;
  /** The effective default when the flag is absent, if the builder has one. */
  readonly default?: string | boolean | number;
  /** Allowed values of an `enum` flag. */
  readonly values?: readonly string[];
  /** Only in the `docker/dockerfile:*-labs` frontend at the time of writing. */
  readonly labs?: boolean;
  readonly description: string;
}

/**
 * The argument forms an instruction accepts:
 * - `json`: exec form, a JSON array of strings: `CMD ["a", "b"]`.
 * - `shell`: the rest of the line as one shell command: `RUN make all`.
 * - `words`: whitespace-separated words: `FROM img AS x`, `COPY a b /dst/`.
 * - `string`: the rest of the line as one value: `USER app:app`.
 * - `keyValue`: `k=v` pairs, or the legacy single `k v` pair: `ENV a=1 b=2`.
 * - `nameValue`: names with optional `=default`: `ARG A B=2`.
 * - `heredoc`: here-documents after the line: `RUN <<EOF`.
 * - `subCommand`: another instruction: `ONBUILD RUN make`.
 */
export type Form = 'json' | 'shell' | 'words' | 'string' | 'keyValue' | 'nameValue' | 'heredoc' | 'subCommand';

/**
 * BuildKit's line parser for the keyword (parser/line_parsers.go), which decides the
 * syntax tree shape: `maybeJson` tries JSON then keeps the rest as one string;
 * `maybeJsonToList` tries JSON then splits on whitespace; `whitespaceDelimited` splits
 * on whitespace; `string` keeps the rest; `keyValue` is ENV/LABEL; `nameOrNameValue` is
 * ARG's quote-aware words; `healthcheck` reads a type word then `maybeJson`;
 * `subCommand` parses the rest as a nested instruction.
 */
export type LineParser =
  | 'maybeJson' | 'maybeJsonToList' | 'whitespaceDelimited' | 'string' | 'keyValue'
  | 'nameOrNameValue' | 'healthcheck' | 'subCommand';

export interface InstructionSpec {
  readonly keyword: Keyword;
  readonly parser: LineParser;
  readonly forms: readonly Form[];
  readonly flags: readonly FlagSpec[];
  /** Usage lines as in the Dockerfile reference. */
  readonly syntax: readonly string[];
  readonly summary: string;
  readonly deprecated?: boolean;
}

const chown: FlagSpec = { name: 'chown', type: 'string', repeatable: false, description: 'Owner user[:group] of the copied files (name or id)' };
const chmod: FlagSpec = { name: 'chmod', type: 'string', repeatable: false, description: 'Mode of the copied files, octal (0755) or symbolic (u=rwx,go=rx)' };
const link: FlagSpec = { name: 'link', type: 'bool', repeatable: false, default: false, description: 'Copy into an independent layer that survives base image changes' };
const exclude: FlagSpec = { name: 'exclude', type: 'string', repeatable: true, description: 'A path pattern to leave out of the copy' };
const parents: FlagSpec = { name: 'parents', type: 'bool', repeatable: false, default: false, description: 'Keep the parent directories of the sources below the destination' };
const duration = (name: string, dflt: string, description: string): FlagSpec =>
  ({ name, type: 'duration', repeatable: false, default: dflt, description });

export const INSTRUCTIONS: Readonly<Record<Keyword, InstructionSpec>> = {
  add: {
    keyword: 'add', parser: 'maybeJsonToList', forms: ['words', 'json', 'heredoc'],
    flags: [
      chown, chmod, link,
      { name: 'keep-git-dir', type: 'bool', repeatable: false, default: false, description: 'Keep the .git directory of a Git source' },
      { name: 'checksum', type: 'string', repeatable: false, description: 'Expected digest of an HTTP source (sha256:...) or commit of a Git source' },
      exclude,
      { name: 'unpack', type: 'bool', repeatable: false, description: 'Extract archives (default: local archives yes, remote no)' },
    ],
    syntax: ['ADD [--chown=<user>:<group>] [--chmod=<perms>] [--link] [--checksum=<hash>] [--keep-git-dir] [--exclude=<path>] [--unpack] <src>... <dest>', 'ADD [OPTIONS] ["<src>", ... "<dest>"]'],
    summary: 'Add local or remote files, directories or archives',
  },
  arg: {
    keyword: 'arg', parser: 'nameOrNameValue', forms: ['nameValue'], flags: [],
    syntax: ['ARG <name>[=<default value>] [<name>[=<default value>]...]'],
    summary: 'Declare a build-time variable',
  },
  cmd: {
    keyword: 'cmd', parser: 'maybeJson', forms: ['json', 'shell'], flags: [],
    syntax: ['CMD ["executable", "param1", "param2"]', 'CMD ["param1", "param2"]', 'CMD command param1 param2'],
    summary: 'Set the default command of the image',
  },
  copy: {
    keyword: 'copy', parser: 'maybeJsonToList', forms: ['words', 'json', 'heredoc'],
    flags: [
      { name: 'from', type: 'string', repeatable: false, description: 'Copy from a build stage, named context or image instead of the build context' },
      chown, chmod, link, parents, exclude,
    ],
    syntax: ['COPY [--from=<image|stage|context>] [--chown=<user>:<group>] [--chmod=<perms>] [--link] [--parents] [--exclude=<path>] <src>... <dest>', 'COPY [OPTIONS] ["<src>", ... "<dest>"]'],
    summary: 'Copy files and directories',
  },
  entrypoint: {
    keyword: 'entrypoint', parser: 'maybeJson', forms: ['json', 'shell'], flags: [],
    syntax: ['ENTRYPOINT ["executable", "param1", "param2"]', 'ENTRYPOINT command param1 param2'],
    summary: 'Set the executable the container runs',
  },
  env: {
    keyword: 'env', parser: 'keyValue', forms: ['keyValue'], flags: [],
    syntax: ['ENV <key>=<value> [<key>=<value>...]', 'ENV <key> <value>'],
    summary: 'Set environment variables',
  },
  expose: {
    keyword: 'expose', parser: 'whitespaceDelimited', forms: ['words'], flags: [],
    syntax: ['EXPOSE <port>[/<protocol>] [<port>[/<protocol>]...]'],
    summary: 'Document the ports the container listens on',
  },
  from: {
    keyword: 'from', parser: 'whitespaceDelimited', forms: ['words'],
    flags: [{ name: 'platform', type: 'string', repeatable: false, description: 'Platform of the base image, e.g. linux/arm64 or $BUILDPLATFORM' }],
    syntax: ['FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]'],
    summary: 'Start a build stage from a base image',
  },
  healthcheck: {
    keyword: 'healthcheck', parser: 'healthcheck', forms: ['json', 'shell'],
    // Flags apply to `HEALTHCHECK CMD`; BuildKit ignores them for `HEALTHCHECK NONE`.
    flags: [
      duration('interval', '30s', 'Time between checks'),
      duration('timeout', '30s', 'Time after which a check counts as failed'),
      duration('start-period', '0s', 'Grace period after start during which failures do not count'),
      duration('start-interval', '5s', 'Time between checks during the start period'),
      { name: 'retries', type: 'uint', repeatable: false, default: 3, description: 'Consecutive failures before the container is unhealthy' },
    ],
    syntax: ['HEALTHCHECK [OPTIONS] CMD command', 'HEALTHCHECK [OPTIONS] CMD ["executable", "param"]', 'HEALTHCHECK NONE'],
    summary: 'Set how to check that the container still works',
  },
  label: {
    keyword: 'label', parser: 'keyValue', forms: ['keyValue'], flags: [],
    syntax: ['LABEL <key>=<value> [<key>=<value>...]'],
    summary: 'Add metadata to the image',
  },
  maintainer: {
    keyword: 'maintainer', parser: 'string', forms: ['string'], flags: [], deprecated: true,
    syntax: ['MAINTAINER <name>'],
    summary: 'Set the author field (deprecated: use LABEL org.opencontainers.image.authors)',
  },
  onbuild: {
    keyword: 'onbuild', parser: 'subCommand', forms: ['subCommand'], flags: [],
    syntax: ['ONBUILD <INSTRUCTION>'],
    summary: 'Add a trigger instruction run when the image is used as a base',
  },
  run: {
    keyword: 'run', parser: 'maybeJson', forms: ['shell', 'json', 'heredoc'],
    flags: [
      { name: 'mount', type: 'string', repeatable: true, description: 'A mount for this step: type=bind|cache|tmpfs|secret|ssh,...' },
      { name: 'network', type: 'enum', repeatable: false, default: 'default', values: ['default', 'none', 'host'], description: 'Network access of the command' },
      { name: 'security', type: 'enum', repeatable: false, default: 'sandbox', values: ['sandbox', 'insecure'], description: 'Run with extra privileges (insecure) or the default sandbox' },
      { name: 'device', type: 'string', repeatable: true, labs: true, description: 'A CDI device to expose to the command' },
    ],
    syntax: ['RUN [OPTIONS] <command>', 'RUN [OPTIONS] ["executable", "param1", "param2"]', 'RUN [OPTIONS] <<EOF ... EOF'],
    summary: 'Execute a command in a new layer',
  },
  shell: {
    keyword: 'shell', parser: 'maybeJson', forms: ['json'], flags: [],
    syntax: ['SHELL ["executable", "parameters"]'],
    summary: 'Set the shell used by shell-form commands',
  },
  stopsignal: {
    keyword: 'stopsignal', parser: 'string', forms: ['string'], flags: [],
    syntax: ['STOPSIGNAL <signal>'],
    summary: 'Set the signal that stops the container',
  },
  user: {
    keyword: 'user', parser: 'string', forms: ['string'], flags: [],
    syntax: ['USER <user>[:<group>]', 'USER <UID>[:<GID>]'],
    summary: 'Set the user (and group) later steps and the container run as',
  },
  volume: {
    keyword: 'volume', parser: 'maybeJsonToList', forms: ['words', 'json'], flags: [],
    syntax: ['VOLUME ["/data"]', 'VOLUME /data [/more...]'],
    summary: 'Declare mount points for external volumes',
  },
  workdir: {
    keyword: 'workdir', parser: 'string', forms: ['string'], flags: [],
    syntax: ['WORKDIR /path/to/workdir'],
    summary: 'Set the working directory',
  },
};

/** Instructions whose shell form may carry heredocs (BuildKit's heredocDirectives). */
export const HEREDOC_KEYWORDS: ReadonlySet<string> = new Set(
  KEYWORDS.filter((k) => INSTRUCTIONS[k].forms.includes('heredoc')),
);

const BY_NAME: ReadonlyMap<string, InstructionSpec> = new Map(KEYWORDS.map((k) => [k, INSTRUCTIONS[k]]));

export function isKeyword(name: string): name is Keyword {
  return BY_NAME.has(name);
}

/** The spec of a keyword in any case, or undefined for an unknown keyword. */
export function instructionSpec(keyword: string): InstructionSpec | undefined {
  return BY_NAME.get(keyword) ?? BY_NAME.get(keyword.toLowerCase());
}

/** The spec of one flag of an instruction, or undefined if the instruction has no such flag. */
export function flagSpec(keyword: string, flag: string): FlagSpec | undefined {
  return instructionSpec(keyword)?.flags.find((f) => f.name === flag);
}
