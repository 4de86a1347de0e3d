import { SlipwayError } from '../errors.js';
import { FORMATS, LABEL_TYPES, parseThreshold, runLint, type Format, type LabelType, type LintConfig } from '../lint/index.js';
import { parseArgs } from 'node:util';
import type { Command, Io } from './types.js';

async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

function usage(message: string): never {
  throw new SlipwayError('LINT_USAGE', message, { exitCode: 2 });
}

export const lintCommand: Command = {
  name: 'lint',
  summary: 'Check Dockerfiles against BuildKit\'s build checks and hadolint\'s rules',
  usage: 'lint [FILE|DIR|-]... [--format=tty|json|sarif|github|checkstyle] [--config FILE] [--ignore RULE]... [--enable RULE]... '
    + '[--failure-threshold=error|warning|info|style|none] [--fix[=diff]] [--context DIR] [--trusted-registry REG]... '
    + '[--require-label LABEL:FORMAT]... [--strict-labels] [--no-color]',
  async run(argv, io) {
    // `--fix` alone means "fix in place"; parseArgs needs every string option to carry a value.
    const args = argv.map((a) => (a === '--fix' ? '--fix=write' : a));
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f', default: 'tty' },
        config: { type: 'string', short: 'c' },
        ignore: { type: 'string', multiple: true },
        enable: { type: 'string', multiple: true },
        'failure-threshold': { type: 'string', short: 't' },
        fix: { type: 'string' },
        context: { type: 'string' },
        'trusted-registry': { type: 'string', multiple: true },
        'require-label': { type: 'string', multiple: true },
        'strict-labels': { type: 'boolean' },
        'no-color': { type: 'boolean' },
      },
    });
    const format = values.format as Format;
    if (!(FORMATS as readonly string[]).includes(format)) usage(`unknown format "${format}" (expected ${FORMATS.join(', ')})`);
    if (values.fix !== undefined && values.fix !== 'write' && values.fix !== 'diff') usage(`--fix takes no value or "diff" (got "${values.fix}")`);
    const labelSchema: Record<string, LabelType> = {};
    for (const spec of values['require-label'] ?? []) {
      const colon = spec.lastIndexOf(':');
      const type = spec.slice(colon + 1);
      if (colon <= 0 || !(LABEL_TYPES as readonly string[]).includes(type)) usage(`--require-label wants LABEL:FORMAT with FORMAT one of ${LABEL_TYPES.join(', ')} (got "${spec}")`);
      labelSchema[spec.slice(0, colon)] = type as LabelType;
    }
    const overrides: LintConfig = {
      ignored: values.ignore ?? [],
      enable: values.enable ?? [],
      ...(values['trusted-registry'] ? { trustedRegistries: values['trusted-registry'] } : {}),
      ...(Object.keys(labelSchema).length > 0 ? { labelSchema } : {}),
      ...(values['strict-labels'] ? { strictLabels: true } : {}),
    };
    const threshold = values['failure-threshold'];
    const stdin = positionals.includes('-') ? await readStdin(io) : undefined;
    const color = !values['no-color'] && io.env.NO_COLOR === undefined && io.stdout.isTTY === true;
    const result = runLint({
      paths: positionals,
      cwd: io.cwd,
      format,
      overrides,
      color,
      ...(stdin !== undefined ? { stdin } : {}),
      ...(values.config !== undefined ? { configFile: values.config } : {}),
      ...(threshold !== undefined ? { failureThreshold: parseThreshold(threshold, '--failure-threshold') } : {}),
      ...(values.fix !== undefined ? { fix: values.fix as 'write' | 'diff' } : {}),
      ...(values.context !== undefined ? { contextDir: values.context } : {}),
    });
    io.stdout.write(result.stdout);
    io.stderr.write(result.stderr);
    return result.exitCode;
  },
};
