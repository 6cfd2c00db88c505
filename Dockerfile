# amplocal: multi-stage build. The final image holds the binary only (distroless, non-root).
#   docker build -t amplocal .
#   docker run -p 4566:4566 -v amplocal-data:/var/lib/amplocal amplocal

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p amplocal \
 && install -D -m 0755 target/release/amplocal /out/amplocal \
 && install -d -m 0755 /out/data

# cc: glibc + libgcc (the binary is dynamically linked against glibc, like any Rust binary).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/amplocal /usr/local/bin/amplocal
# The volume's initial contents (an empty dir owned by the runtime user) come from the image.
COPY --from=build --chown=nonroot:nonroot /out/data /var/lib/amplocal
ENV AMPLOCAL_LISTEN=0.0.0.0:4566 \
    AMPLOCAL_DATA_DIR=/var/lib/amplocal
VOLUME /var/lib/amplocal
EXPOSE 4566
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 CMD ["amplocal", "healthcheck"]
ENTRYPOINT ["amplocal"]
