# Slipway: the verbs. 'make test' is what CI runs; 'make run' is the operator on a local
# control plane (or on the cluster KUBECONFIG names).
SHELL := /usr/bin/env bash
MVN ?= mvn -B -ntp

IMAGE ?= slipway-operator:0.1.0
BASE_IMAGE ?=

.PHONY: help build test faults run bench render image image-tar crds controlplane clean

help:
	@echo "make build         compile, generate CRDs into crds/, package operator/target/slipway-operator.jar"
	@echo "make test          everything CI runs: control plane, unit + integration tests, CRD check, make run check"
	@echo "make faults        the fault scenarios (crashes, outages, throttling, external edits, secret canary): a table and N passed, N failed"
	@echo "make run           as root: a real node, the operator installed with Helm, a sample Project served (OPERATOR=jar: the jar on this machine)"
	@echo "                   otherwise the operator on a local control plane with examples/ (or on \$$KUBECONFIG)"
	@echo "make bench [SIZES=\"100 300 500\"]   N Projects x 2 Environments through the pipeline (kwok as kubelet), vs the API floor"
	@echo "make render FILE=project.yaml   print every object the operator would create for that Project (no cluster)"
	@echo "make image IMAGE=registry/slipway-operator:tag   build the operator image with jib and push it (no Docker needed)"
	@echo "make image-tar     the same image as operator/target/slipway-operator-image.tar"
	@echo "make crds          regenerate crds/ from the classes"
	@echo "make controlplane  build (or find in the cache) etcd, kube-apiserver, kube-controller-manager, kubectl"
	@echo "make clean         remove build output"

build:
	$(MVN) -DskipTests package

test:
	e2e/test.sh

faults:
	e2e/faults.sh

run:
	SLIPWAY_RUN_OPERATOR="$(OPERATOR)" e2e/run-local.sh

SIZES ?= 100 300 500
bench:
	e2e/bench.sh $(SIZES)

render:
	@test -n "$(FILE)" || { echo "usage: make render FILE=project.yaml [ARGS='--namespace team-a --commit <sha> --backup <env> --restore <env> --from <env>']" >&2; exit 2; }
	@$(MVN) -q -DskipTests package >&2
	@java -jar operator/target/slipway-operator.jar render "$(FILE)" $(ARGS)

image: build
	java -cp operator/target/slipway-operator.jar dev.slipway.image.OperatorImage --to "$(IMAGE)" $(if $(BASE_IMAGE),--base "$(BASE_IMAGE)") $(if $(INSECURE),--insecure)

image-tar: build
	java -cp operator/target/slipway-operator.jar dev.slipway.image.OperatorImage --tar operator/target/slipway-operator-image.tar --name "$(IMAGE)" $(if $(BASE_IMAGE),--base "$(BASE_IMAGE)")

crds:
	$(MVN) -q -pl operator process-classes

controlplane:
	@e2e/build-controlplane.sh

clean:
	$(MVN) -q clean
	rm -rf .slipway
