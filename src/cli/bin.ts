/** What `bin/slipway` runs (bundled to dist/cli/bin.js): the CLI with this process's argv. */
import { main } from './main.js';

// The launcher moved NODE_EXTRA_CA_CERTS aside so that Node would not parse it at start-up
// (bin/slipway). Node reads it only then, so it goes back now: `--build-arg NAME`, `--secret
// env=NAME` and credential helpers see the user's environment. SLIPWAY_EXTRA_CA_CERTS stays,
// telling the HTTPS client that those roots are still to be added.
const moved = process.env.SLIPWAY_EXTRA_CA_CERTS;
if (moved !== undefined && process.env.NODE_EXTRA_CA_CERTS === undefined) process.env.NODE_EXTRA_CA_CERTS = moved;

const code = await main(process.argv.slice(2));
// A failed command may leave work nobody waits for (a stopped build's base-image pull on a
// socket that never answers): it must not keep the process. stdout and stderr are
// synchronous on Linux, so nothing written is lost.
if (code !== 0) process.exit(code);
process.exitCode = code;
