// BuildKit's parser corpus, read in place, through the whole front end (parse -> typed
// instructions -> plan). Files that only exercise the parser fail later for the reasons
// BuildKit would also fail them; everything else must plan cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { conformanceDir } from '../helpers/paths.js';
import { planDockerfile } from '../../src/plan/index.js';

const dir = path.join(conformanceDir, 'buildkit', 'parser', 'testfiles');
const EXPECTED_ERRORS: Record<string, string[]> = {
  // `ENV name='a\'b'`: a backslash is literal inside single quotes, so a quote is left open.
  env: ['SHELL_UNTERMINATED_QUOTE'],
  escapes: ['SHELL_UNTERMINATED_QUOTE'],
  // COPY --user / --doit and CMD --doit are not flags of those instructions.
  flags: Array(7).fill('INSTR_UNKNOWN_FLAG'),
  // Bare HEALTHCHECK, HEALTHCHECK CMD without a command, HEALTHCHECK CONNECT.
  health: ['INSTR_ARGUMENT_COUNT', 'INSTR_HEALTHCHECK_NO_COMMAND', 'INSTR_HEALTHCHECK_TYPE'],
};
// JSON-form parser tests that have no FROM at all.
for (const name of ['jeztah-invalid-json-json-inside-string', 'jeztah-invalid-json-json-inside-string-double', 'jeztah-invalid-json-single-quotes', 'jeztah-invalid-json-unterminated-bracket', 'jeztah-invalid-json-unterminated-string']) {
  EXPECTED_ERRORS[name] = ['INSTR_NO_STAGE', 'PLAN_NO_STAGES'];
}
EXPECTED_ERRORS.json = [...Array(8).fill('INSTR_NO_STAGE'), 'PLAN_NO_STAGES'];

test('the parser corpus plans as BuildKit would build it', () => {
  const cases = readdirSync(dir).sort();
  assert.ok(cases.length >= 33, `only ${cases.length} cases`);
  const got: Record<string, string[]> = {};
  for (const name of cases) {
    const plan = planDockerfile(readFileSync(path.join(dir, name, 'Dockerfile'), 'utf8'), { buildPlatform: { os: 'linux', architecture: 'amd64' } });
    if (plan.errors.length > 0) got[name] = plan.errors.map((e) => e.code);
    else assert.ok(plan.stages.length > 0, name);
  }
  assert.deepEqual(got, EXPECTED_ERRORS);
});
