# syntax=docker/dockerfile:1
# Multi-stage image for the @pyfunc scoring server.
#   docker build -t pyfunc-serve .
#   docker run -p 8080:8080 -v "$PWD/my-model:/opt/ml/model:ro" pyfunc-serve
# The model is mounted (or copied, see the last stage) at /opt/ml/model.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# pnpm from the npm registry (corepack is not used); dependency install scripts stay off, so
# onnxruntime-node never downloads CUDA files.
RUN npm install -g pnpm@10.34.8
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm build \
 && pnpm --filter @pyfunc/cli deploy --prod --legacy /opt/pyfunc

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PYFUNC_MODEL_URI=/opt/ml/model \
    PORT=8080
COPY --from=build /opt/pyfunc /opt/pyfunc
RUN ln -s /opt/pyfunc/dist/bin.js /usr/local/bin/pyfunc \
 && groupadd --system pyfunc && useradd --system --gid pyfunc --home /home/pyfunc --create-home pyfunc \
 && mkdir -p /opt/ml/model && chown pyfunc:pyfunc /opt/ml/model
USER pyfunc
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/ping').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["node", "/opt/pyfunc/dist/bin.js", "serve", "-m", "/opt/ml/model", "-h", "0.0.0.0", "-p", "8080"]

# To bake a model into the image instead of mounting it:
#   FROM pyfunc-serve
#   COPY --chown=pyfunc:pyfunc my-model/ /opt/ml/model/
