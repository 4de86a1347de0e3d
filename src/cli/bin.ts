/** What `bin/slipway` runs (bundled to dist/cli/bin.js): the CLI with this process's argv. */
import { main } from './main.js';

// The launcher moved NODE_EXTRA_CA_CERTS aside so that Node would not parse it at start-up
// (bin/slipway). Node reads it only then, so it goes back now: `--build-arg NAME`, `--secret
// env=NAME` and credential helpers see the user's environment. SLIPWAY_EXTRA_CA_CERTS stays,
// telling the HTTPS client that those roots are still to be added.
const moved = process.env.SLIPWAY_EXTRA_CA_CERTS;
if (moved !== undefined && process.env.NODE_EXTRA_CA_CERTS === undefined) process.env.NODE_EXTRA_CA_CERTS = moved;

process.exitCode = await main(process.argv.slice(2));
