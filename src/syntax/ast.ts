/**
 * The Dockerfile syntax tree: what `parse()` returns. It mirrors what BuildKit's parser
 * (moby/buildkit frontend/dockerfile/parser) keeps, plus source ranges on everything.
 *
 * ## Coordinates (the one convention used everywhere in slipway)
 *
 * - `line` is 1-based.
 * - `column` is 1-based and counts UTF-16 code units from the start of the line
 *   (so a JS string index: `column - 1 === offset - lineStartOffset`).
 * - `offset` is a 0-based UTF-16 index into the original text exactly as it was passed
 *   to `parse()` (a leading BOM, if any, occupies offset 0 of line 1).
 * - A `Range` is half-open: `end` is the position just after the last character, so
 *   `text.slice(range.start.offset, range.end.offset)` is the source of the node.
 *   An empty range (`start` equal to `end`) marks a point, e.g. where something is missing.
 * - Lines are separated by `\n`; a `\r` before it belongs to the line's content but is
 *   never part of a node's range.
 */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export type Severity = 'error' | 'warning';

/**
 * A problem found in the input, as a value. Every stage uses this shape; each stage owns
 * its own stable `code` strings (the parser's are `ParseCode`). Tests assert codes and
 * ranges, never message text. Render with `formatDiagnostic()`.
 */
export interface Diagnostic {
  readonly code: string;
  readonly message: string;
  readonly range: Range;
  readonly severity: Severity;
}

/** The codes the parser reports. */
export type ParseCode =
  /** No instruction in the file (empty, or only comments/directives). */
  | 'PARSE_NO_INSTRUCTIONS'
  /** `# escape=` with something other than `\` or a backtick. */
  | 'PARSE_INVALID_ESCAPE'
  /** A parser directive (`syntax`, `escape`, `check`) given twice. */
  | 'PARSE_DUPLICATE_DIRECTIVE'
  /** A heredoc whose terminator never appears. */
  | 'PARSE_UNTERMINATED_HEREDOC'
  /** A heredoc delimiter word that cannot be lexed (e.g. an unclosed quote). */
  | 'PARSE_INVALID_HEREDOC'
  /** A JSON array with a non-string element (nested arrays, numbers...). */
  | 'PARSE_JSON_NOT_STRINGS'
  /** `ENV`/`LABEL` in the legacy `KEY value` form without a value. */
  | 'PARSE_MISSING_VALUE'
  /** `ENV`/`LABEL` in the `k=v` form with a word that has no `=`. */
  | 'PARSE_MISSING_EQUALS'
  /** A physical line longer than BuildKit's scanner accepts (65535 bytes). */
  | 'PARSE_LINE_TOO_LONG'
  /**
   * Warning: an empty line inside a line continuation (BuildKit: NoEmptyContinuation),
   * reported on the instruction's last line, where BuildKit reports it.
   */
  | 'PARSE_EMPTY_CONTINUATION';

/** A full-line `#` comment. `text` is what follows the `#`, trimmed. */
export interface Comment {
  readonly type: 'Comment';
  readonly text: string;
  readonly range: Range;
}

/** A parser directive at the top of the file, e.g. `# syntax=docker/dockerfile:1`. */
export interface Directive {
  readonly type: 'Directive';
  /** Lowercased: `syntax`, `escape` or `check`. */
  readonly name: 'syntax' | 'escape' | 'check';
  /** The value, surrounding whitespace trimmed. */
  readonly value: string;
  /** The whole comment line (without its line break). */
  readonly range: Range;
  readonly valueRange: Range;
}

/**
 * One argument string exactly as BuildKit's parser produces it (what its dump prints):
 * quotes and escapes kept for shell/word forms, decoded for JSON strings; line
 * continuations and comment lines inside them removed.
 */
export interface Argument {
  readonly type: 'Argument';
  readonly value: string;
  /**
   * Source of the value: from its first to just after its last character (a JSON string
   * includes its quotes). A value joined across continuation lines spans those lines.
   * Values with no source text (e.g. the `""` separator of a legacy ENV pair) have an
   * empty range at the point where they would be.
   */
  readonly range: Range;
}

/**
 * A builder flag before the arguments, e.g. `--mount=type=cache,target=/x` or `--link`.
 * Kept raw: the instruction checker validates names and values against grammar/instructions.
 */
export interface Flag {
  readonly type: 'Flag';
  /** As BuildKit keeps it (quotes removed): `--name=value` or `--name`. */
  readonly raw: string;
  /** Between `--` and the first `=`. */
  readonly name: string;
  /** After the first `=`; `null` for a bare `--name`. */
  readonly value: string | null;
  readonly range: Range;
  readonly nameRange: Range;
  /** `null` when `value` is null. */
  readonly valueRange: Range | null;
}

/** One `key=value` (or legacy `key value`) pair of ENV or LABEL. */
export interface KeyValuePair {
  readonly type: 'KeyValuePair';
  readonly key: Argument;
  /** Quotes and escapes kept, as BuildKit does; word expansion removes them later. */
  readonly value: Argument;
  /** `=` for `k=v`, `''` for the legacy `KEY value` form. */
  readonly separator: '=' | '';
  readonly range: Range;
}

/**
 * A here-document attached to RUN, COPY or ADD (or to one of them under ONBUILD):
 * `<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`.
 */
export interface Heredoc {
  readonly type: 'Heredoc';
  /** The delimiter word with quotes removed, e.g. `EOF`. */
  readonly name: string;
  /** Some part of the delimiter was quoted: the body is taken literally (no expansion). */
  readonly quoted: boolean;
  /**
   * `<<-`: leading tabs are stripped from the terminator line when matching, and consumers
   * strip them from body lines (`content` itself is kept unstripped, as BuildKit keeps it).
   */
  readonly chomp: boolean;
  /** The file descriptor prefix (`3<<EOF`); 0 when none was written, as BuildKit. */
  readonly fd: number;
  /** Body lines, each with its line break (`\r\n` kept), terminator line excluded. */
  readonly content: string;
  /** The `<<EOF` word on the instruction line. */
  readonly markerRange: Range;
  /** The body (empty range at the terminator line's start for an empty body). */
  readonly contentRange: Range;
  /** From the first body line to the end of the terminator line. */
  readonly range: Range;
}

/**
 * What follows the keyword and flags, by the shape BuildKit's line parser gives it.
 *
 * - `Empty`: nothing after the keyword (and flags).
 * - `Json`: exec form `["a", "b"]` (RUN CMD ENTRYPOINT SHELL ADD COPY VOLUME, HEALTHCHECK CMD).
 * - `Shell`: the rest of the line as one string (RUN CMD ENTRYPOINT SHELL, HEALTHCHECK CMD).
 * - `Words`: whitespace-separated words (FROM EXPOSE ADD COPY VOLUME); for ARG, quote-aware words.
 * - `String`: the rest of the line as one value (MAINTAINER USER WORKDIR STOPSIGNAL).
 * - `KeyValue`: ENV and LABEL pairs.
 * - `Healthcheck`: the type word (`CMD`, `NONE`, anything) then its command.
 * - `Onbuild`: the nested trigger instruction.
 * - `Unknown`: an unknown keyword; BuildKit keeps no arguments (`text` is the raw rest).
 */
export type Body =
  | { readonly type: 'Empty' }
  | { readonly type: 'Json'; readonly elements: readonly Argument[]; readonly range: Range }
  | { readonly type: 'Shell'; readonly command: Argument }
  | { readonly type: 'Words'; readonly words: readonly Argument[] }
  | { readonly type: 'String'; readonly value: Argument }
  | { readonly type: 'KeyValue'; readonly pairs: readonly KeyValuePair[] }
  | { readonly type: 'Healthcheck'; readonly kind: Argument; readonly command: CommandBody }
  | { readonly type: 'Onbuild'; readonly instruction: Instruction }
  | { readonly type: 'Unknown'; readonly text: Argument };

/** The bodies a HEALTHCHECK type word can be followed by. */
export type CommandBody = Extract<Body, { type: 'Empty' | 'Json' | 'Shell' }>;

/** One instruction, e.g. `RUN --mount=type=cache,target=/root/.cache pip install -r req.txt`. */
export interface Instruction {
  readonly type: 'Instruction';
  /** The keyword as written, e.g. `Run`. */
  readonly keyword: string;
  /** The keyword lowercased, e.g. `run`; unknown keywords are kept (rejected later). */
  readonly name: string;
  readonly keywordRange: Range;
  readonly flags: readonly Flag[];
  readonly body: Body;
  /**
   * The argument list BuildKit's later stages read (its `nodeArgs`): ENV/LABEL give
   * key, value, separator triples; HEALTHCHECK gives its type word then the command;
   * ONBUILD gives the nested keyword then its arguments; JSON form gives the elements.
   */
  readonly args: readonly Argument[];
  /**
   * True for the JSON (exec) form, including `HEALTHCHECK CMD [...]`. Always false on
   * ONBUILD itself, as in BuildKit: look at its nested instruction.
   */
  readonly json: boolean;
  /**
   * In source order. BuildKit attaches a trigger's heredocs to the ONBUILD node; slipway
   * lists them on both the ONBUILD node and its nested instruction.
   */
  readonly heredocs: readonly Heredoc[];
  /**
   * The comments BuildKit attaches to this instruction (its PrevComment): the full-line
   * comments since the previous instruction, minus directives, restarting after a bare
   * `#`. Blank lines do not break the run; check the ranges where adjacency matters.
   */
  readonly comments: readonly Comment[];
  /** The logical line: continuations joined and comment lines inside them dropped. */
  readonly original: string;
  /** From the keyword to the end of its last line, heredoc terminators included. */
  readonly range: Range;
}

/** The whole file. */
export interface Dockerfile {
  readonly type: 'Dockerfile';
  readonly instructions: readonly Instruction[];
  /** Every full-line comment in the file (not heredoc bodies), directives included, in order. */
  readonly comments: readonly Comment[];
  readonly range: Range;
}

export type EscapeToken = '\\' | '`';

/** What `parse()` returns; it never throws. */
export interface ParseResult {
  /**
   * Always present. When `errors` is non-empty BuildKit would have rejected the file;
   * the tree then holds the instructions read before the fatal problem.
   */
  readonly ast: Dockerfile;
  readonly directives: readonly Directive[];
  readonly escapeToken: EscapeToken;
  /** Non-fatal problems (severity `warning`), e.g. empty continuation lines. */
  readonly warnings: readonly Diagnostic[];
  /** Fatal problems (severity `error`); at most one, as BuildKit stops at the first. */
  readonly errors: readonly Diagnostic[];
}

export interface ParseOptions {
  /** Used only in messages; ranges never depend on it. */
  readonly file?: string;
}
