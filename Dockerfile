# kanon's image for CI jobs (`image:` in GitLab CI, a container job in GitHub
# Actions): kanon, git and the CA store on a slim Debian 12, and nothing else.
#
#   docker build -t registry.example.com/tools/kanon:0.1.0 .
#
# The build stage installs what the build needs with the repository's own
# scripts/install-deps and builds the optimised kanon with its man pages and
# completions; the runtime stage installs exactly the packages kanon's .deb
# depends on (dpkg-shlibdeps' reading of the libraries it links, plus git and
# ca-certificates): `make test-package` checks that the list below equals
# them, so a library added to the build cannot be forgotten here.
FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/install-deps \
    && cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
         -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON \
    && cmake --build /build -j"$(nproc)" --target kanon kanon_docs \
    && DESTDIR=/out cmake --install /build --strip

FROM debian:bookworm-slim
# runtime packages: begin (one per line; make test-package compares them with the .deb's Depends)
RUN apt-get update && apt-get install -y --no-install-recommends \
      ca-certificates \
      git \
      libc6 \
      libcpp-httplib0.11 \
      libcurl4 \
      libfmt9 \
      libgcc-s1 \
      libstdc++6 \
      libyaml-0-2 \
    && rm -rf /var/lib/apt/lists/*
# runtime packages: end
COPY --from=build /out/usr/ /usr/
# GitLab runs the job's script in a shell: no ENTRYPOINT.
CMD ["kanon", "--help"]
