# tundra's container image: the static binary alone in an empty image (FROM scratch).
# docs/deployment.md explains the image; docs/mikrotik.md runs it on RouterOS 7.
#
# Targets:
#   runtime   (the default, last) builds tundra from this tree in a Debian stage and copies
#             only the binary out. The builder installs the same packages
#             (scripts/install-static-deps.sh) and runs the same preset
#             (scripts/build-static.sh -> static-$TARGETARCH) as CI.
#   prebuilt  copies a binary built outside: by default dist/$TARGETARCH/tundra, which
#             scripts/build-static.sh writes, or --build-arg BINARY=<path in the context>.
#             Needs no registry and no network; this is what CI builds.
#
#   docker buildx build --platform linux/arm64 -o type=docker,dest=tundra-arm64.tar .
#   buildah build --platform linux/arm64 --build-arg BUILDPLATFORM=linux/amd64 -t localhost/tundra:arm64 .
#   scripts/build-static.sh arm64 && buildah build --target prebuilt --platform linux/arm64 -t localhost/tundra:arm64 .
#
# (buildah 1.28, Debian 12's, does not set BUILDPLATFORM: pass it, or it looks for a builder
# image of the target's architecture.) BUILDER_IMAGE may name any Debian 12 image, such as
# one made locally with debootstrap where no registry is reachable.
#
# The container reads /etc/tundra/tundra.toml when one is mounted there, else the TUNDRA_*
# environment variables (docs/deployment.md lists them). It needs CAP_NET_ADMIN and
# /dev/net/tun for the translator: --cap-add NET_ADMIN --device /dev/net/tun.

ARG BUILDER_IMAGE=docker.io/library/debian:bookworm

FROM --platform=$BUILDPLATFORM ${BUILDER_IMAGE} AS build
ARG TARGETARCH
# The package list first, so that a source change does not repeat the installation.
COPY scripts/install-static-deps.sh /usr/local/sbin/
RUN arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
 && TESTS=OFF install-static-deps.sh "$arch" \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
 && rm -rf dist build-static-* \
 && TESTS=OFF BUILD=/tmp/build scripts/build-static.sh "$arch" \
 && mkdir -p /rootfs/etc/tundra /rootfs/var/lib/tundra \
 && cp "dist/$arch/tundra" /rootfs/tundra

# Offline packaging of a binary built outside: no builder stage is touched.
FROM scratch AS prebuilt
ARG TARGETARCH
ARG BINARY=dist/${TARGETARCH}/tundra
COPY ${BINARY} /tundra
# Empty directories: /etc/tundra for a mounted tundra.toml, /var/lib/tundra for data-dir.
WORKDIR /etc/tundra
WORKDIR /var/lib/tundra
WORKDIR /
EXPOSE 53/udp 53/tcp
ENTRYPOINT ["/tundra"]
CMD ["run"]

FROM scratch AS runtime
COPY --from=build /rootfs/ /
EXPOSE 53/udp 53/tcp
ENTRYPOINT ["/tundra"]
CMD ["run"]
