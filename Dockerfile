# The image each pod of `loadlens k8s` runs: Node.js and the loadlens CLI, nothing else. The scenario is
# not in it: the Job mounts it from a ConfigMap, bundled to one file, so one image serves every scenario.
#
# Built from this checkout, with the package tarball npm would publish (its package.json "files": the
# CLI, the engine bundle, the API's types), so the image runs exactly this commit's engine:
#   npm run build && npm pack                 # writes loadlens-VERSION.tgz here
#   docker build -t REGISTRY/loadlens:VERSION . && docker push REGISTRY/loadlens:VERSION
#   loadlens k8s my.load.ts --shards 4 --image REGISTRY/loadlens:VERSION | kubectl apply -f -
# From the npm registry instead, once published: replace the COPY and RUN below with
#   RUN npm install --global --omit=dev --no-audit --no-fund loadlens@VERSION && npm cache clean --force

# Node 24 (the engine needs Node >= 22), Debian slim: glibc, as esbuild's prebuilt binary expects.
# Pin the digest (node:24-bookworm-slim@sha256:...) for builds that must be reproducible.
FROM node:24-bookworm-slim

COPY loadlens-*.tgz /tmp/loadlens/
# --global: the `loadlens` command on PATH. Its dependencies come along (esbuild's native binary among
# them: the engine compiles the scenario when it loads it).
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/loadlens/loadlens-*.tgz \
 && rm -rf /tmp/loadlens \
 && npm cache clean --force \
 && loadlens --version

# The image's `node` user, by number: Kubernetes can only check `runAsNonRoot: true` (which the Job
# sets) against a numeric user.
USER 1000:1000
WORKDIR /home/node

ENTRYPOINT ["loadlens"]
CMD ["--help"]
