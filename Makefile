# Everyday commands. `make docker-run CONFIG=msc/mcp.json` serves your own config instead of the
# bundled example servers. docker-run needs MULTI_MCP_API_KEY in your environment (the container
# listens on all interfaces, so the proxy refuses to start without a real key):
#   export MULTI_MCP_API_KEY="$(openssl rand -hex 32)"
#   make docker-build docker-run
IMAGE ?= multi-mcp
PORT ?= 8080
CONFIG ?=

.PHONY: build test docker-build docker-run k8s-apply

node_modules: package.json package-lock.json
	npm ci
	@touch node_modules

build: node_modules
	npm run build

test: node_modules
	npm test

docker-build:
	docker build -t $(IMAGE) .

# --init: a tiny init as PID 1 reaps the processes that backends leave behind.
docker-run:
	@test -n "$$MULTI_MCP_API_KEY" || { echo 'make docker-run: set MULTI_MCP_API_KEY first, e.g. export MULTI_MCP_API_KEY="$$(openssl rand -hex 32)"' >&2; exit 1; }
	docker run --rm --init -p $(PORT):8080 -e MULTI_MCP_API_KEY \
		$(if $(CONFIG),-v $(abspath $(CONFIG)):/config/mcp.json:ro) $(IMAGE)

k8s-apply:
	kubectl apply -f k8s/multi-mcp.yaml
