# syntax=docker/dockerfile:1
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# docker build --build-arg VERSION=v1.2.3 stamps `earshot version` and
# earshot_build_info; without it the build info Go records is used.
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/earshot ./cmd/earshot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/earshot /usr/local/bin/earshot
EXPOSE 8080
# No shell or curl in this image: the binary probes itself. If you change
# listen, set EARSHOT_HEALTHCHECK_URL (e.g. http://127.0.0.1:9090/readyz).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/earshot", "healthcheck", "--quiet"]
ENTRYPOINT ["/usr/local/bin/earshot"]
CMD ["serve", "--config", "/etc/earshot/earshot.yaml"]
