# syntax=docker/dockerfile:1.4
FROM ubuntu:22.04

RUN <<EOT bash
  set -euo pipefail
  apt-get update
  apt-get install -y --no-install-recommends vim curl jq
  rm -rf /var/lib/apt/lists/*
EOT

RUN <<-'SCRIPT'
	#!/usr/bin/env sh
	echo "building as $(id -un)"
	mkdir -p /opt/tools
	SCRIPT

COPY <<EOF1 <<EOF2 /etc/app/
[default]
region = eu-west-1
EOF1
{
  "log_level": "info",
  "features": ["a", "b"]
}
EOF2

RUN python3 <<PY
import json, os
with open('/etc/app/EOF2') as f:
    print(json.load(f)['log_level'])
PY

ENTRYPOINT ["/bin/bash", "-c"]
CMD ["exec sleep infinity"]
