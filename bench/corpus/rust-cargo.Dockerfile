FROM rust:1.76-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/app/target \
    cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/app/target \
    cargo build --release --bin api \
    && cp target/release/api /usr/local/bin/api

FROM debian:bookworm-slim AS runtime
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates libssl3; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system api; \
    useradd --system --gid api --home-dir /nonexistent --shell /usr/sbin/nologin api
COPY --from=builder /usr/local/bin/api /usr/local/bin/api
ENV RUST_LOG=info,tower_http=debug
USER api
EXPOSE 8080
CMD ["api"]
