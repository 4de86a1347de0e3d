/** What `bin/slipway` runs (bundled to dist/cli/bin.js): the CLI with this process's argv. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
