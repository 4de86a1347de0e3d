/**
 * The one error type every stage throws for problems a user caused (bad input,
 * missing files, refused archives, registry denials). The CLI prints `message`
 * (never a stack) and exits with `exitCode`; anything else that escapes is a bug
 * and is reported as an internal error.
 *
 * `code` is a stable machine-readable identifier (e.g. `PARSE_UNTERMINATED_HEREDOC`,
 * `STORE_DIGEST_MISMATCH`); tests assert codes, not message text.
 */
export class SlipwayError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SlipwayError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

export function isSlipwayError(err: unknown): err is SlipwayError {
  return err instanceof SlipwayError;
}
