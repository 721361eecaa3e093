# syntax=docker/dockerfile:1

# ---- build ------------------------------------------------------------------
FROM golang:1.26 AS build
WORKDIR /src
# go.mod asks for a specific 1.26.x patch; let the go command fetch it if the
# image's toolchain is older (the official image pins GOTOOLCHAIN=local).
ENV GOTOOLCHAIN=auto \
    CGO_ENABLED=0 \
    GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags='-s -w' -o /orderhub ./cmd/orderhub

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 orderhub \
 && useradd --system --uid 10001 --gid orderhub --home-dir /data --no-create-home --shell /usr/sbin/nologin orderhub \
 && mkdir -p /data \
 && chown orderhub:orderhub /data
COPY --from=build /orderhub /orderhub
ENV ORDERHUB_DATA_DIR=/data \
    ORDERHUB_HTTP_ADDR=:8080
# Directory ownership above is copied into a fresh named volume.
VOLUME ["/data"]
USER orderhub:orderhub
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["/orderhub"]
CMD ["serve"]
