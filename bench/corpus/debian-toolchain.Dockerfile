FROM debian:bookworm

ENV DEBIAN_FRONTEND=noninteractive
ENV LANG C.UTF-8
ENV LC_ALL C.UTF-8

RUN apt-get update && apt-get install -y --no-install-recommends \
        autoconf \
        automake \
        bison \
        build-essential \
        ca-certificates \
        ccache \
        clang \
        cmake \
        curl \
        flex \
        gdb \
        git \
        gnupg \
        libtool \
        lld \
        llvm \
        make \
        ninja-build \
        pkg-config \
        python3 \
        python3-pip \
        rsync \
        unzip \
        valgrind \
        wget \
        xz-utils \
        zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*

# Newer CMake than Debian ships.
ARG CMAKE_VERSION=3.28.3
RUN curl -fsSL "https://github.com/Kitware/CMake/releases/download/v${CMAKE_VERSION}/cmake-${CMAKE_VERSION}-linux-x86_64.sh" \
        -o /tmp/cmake.sh \
    && sh /tmp/cmake.sh --skip-license --prefix=/usr/local \
    && rm /tmp/cmake.sh

RUN useradd -m -s /bin/bash builder \
    && echo 'builder ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/builder
USER builder
WORKDIR /home/builder/src
ENV CCACHE_DIR=/home/builder/.ccache \
    CC=clang \
    CXX=clang++
VOLUME ["/home/builder/.ccache"]
CMD ["/bin/bash"]
