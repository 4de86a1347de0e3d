# syntax=docker/dockerfile:1
# check=skip=JSONArgsRecommended

ARG BASE=alpine:3.19
FROM ${BASE} AS tools
ARG KUBECTL_VERSION=v1.29.2
ARG HELM_VERSION=v3.14.2
ARG TARGETARCH=amd64
RUN apk add --no-cache curl tar gzip \
 && curl -fsSLo /usr/local/bin/kubectl "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" \
 && chmod +x /usr/local/bin/kubectl \
 && curl -fsSL "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" | tar -xz -C /tmp \
 && mv /tmp/linux-${TARGETARCH}/helm /usr/local/bin/helm

FROM alpine:3.19
RUN apk add --no-cache bash git openssh-client jq yq make python3 py3-pip docker-cli
COPY --from=tools /usr/local/bin/kubectl /usr/local/bin/helm /usr/local/bin/
COPY --chmod=0755 scripts/ /usr/local/bin/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
    https://github.com/moby/buildkit/archive/refs/tags/v0.13.0.tar.gz /opt/buildkit.tar.gz
RUN --network=none --mount=type=secret,id=netrc,target=/root/.netrc,required=false \
    git config --global url."https://".insteadOf git://
ENV CI=true
WORKDIR /workspace
ENTRYPOINT ["bash"]
CMD -c "make ci"
