# SPDX-License-Identifier: MIT
# The commands a newcomer types. Each installs what is missing first (tools/install-deps.sh).
#   make demo   build and run the main job on the default board (host-sim)
#   make test   build host, sanitizer and aarch64 trees and run every test
#   make build  host binaries in build/host/bin; make build-aarch64: ARM ones in build/aarch64/bin
#   make bench  benchmarks with figures (not part of make test)
#   make soak   2,000 kill -9 cycles of store and forward, and a 10-minute memory soak
#   make ocr-model  retrain the plate OCR model (about 70 minutes)
#   make glyph-shape  retrain the model that scores each glyph by its shape (about 5 minutes)
#   make package  the amd64 .deb in build/host/packages; make package-aarch64: the arm64 one
#   make image BOARD=rpi4-imx477  flashable SD/eMMC image in build/image/BOARD (docs/image.md)
#   make bundle BOARD=...  signed A/B update bundle; make bundle-test: install and tamper proof
#   make image-test  boot the qemu-virt image under qemu-system-aarch64 and read a clip
SHELL := /bin/bash
.DEFAULT_GOAL := help
FUZZ_SECONDS ?= 60

.PHONY: package package-aarch64
.PHONY: image-deps image bundle bundle-test image-test
.PHONY: help deps sysroot build build-aarch64 build-asan test test-host test-asan test-aarch64 soak \
	demo bench fuzz ocr-model glyph-shape format docs clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

deps:
	@tools/install-deps.sh --cross

sysroot: deps
	@tools/make-sysroot.sh build/sysroot-arm64

build: deps
	cmake --preset host >/dev/null
	cmake --build --preset host

build-aarch64: sysroot
	cmake --preset aarch64 >/dev/null
	cmake --build --preset aarch64

build-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan

test-host: build
	ctest --preset host

test-asan: build-asan
	ctest --preset asan

test-aarch64: build-aarch64
	file build/aarch64/bin/anprd | grep -q 'ARM aarch64'
	ctest --preset aarch64

test: test-host test-asan test-aarch64
	@echo "make test: host, asan and aarch64 suites passed"

demo: build
	@tools/demo.sh build/host/bin

bench: deps
	cmake --preset host-release >/dev/null
	cmake --build --preset host-release
	@tools/bench.sh build/host-release/bin

soak: build
	SOAK_CYCLES=$${SOAK_CYCLES:-2000} tests/integration/test_store_forward.sh build/host/bin/anprd \
		build/host/bin/anpr-synth build/host/bin/anpr-bofsim tools/make-dev-pki.sh
	mkdir -p build/bench
	[ -f build/bench/clip-2026-40v-1080p25.avi ] || build/host/bin/anpr-synth clip --seed 2026 \
		--out build/bench/clip-2026-40v-1080p25.avi --vehicles 40 --duration 60 --frame 1920x1080
	tools/soak.sh build/host/bin build/bench/clip-2026-40v-1080p25.avi build/bench 10

# .deb packages (docs/packaging.md), each checked: dpkg-deb --info, lintian without errors, and
# for arm64 the hand-written Depends against the programs' NEEDED libraries.
package: build
	cmake --build --preset host --target package
	for deb in build/host/packages/anpr-*_amd64.deb; do tools/packaging/check-deb.sh $$deb || exit 1; done

package-aarch64: build-aarch64
	cmake --build --preset aarch64 --target package
	tools/packaging/check-deb.sh --needed build/aarch64/packages/anpr-firmware_*_arm64.deb

# Images (docs/image.md): BOARD is a profile in tools/image/boards/ (qemu-virt, rpi4-imx477,
# rpi-cm4-imx296, imx8mp-evk). They need root (file ownership, loop devices in bundle-test).
BOARD ?= qemu-virt
image-deps:
	@tools/image/install-deps.sh

image: image-deps package-aarch64
	tools/image/make-image.sh $(BOARD)

bundle: image
	tools/image/make-bundle.sh $(BOARD)

bundle-test: bundle
	tools/image/test-bundle.sh $(BOARD)

image-test: image-deps package-aarch64 build
	tools/image/image-test.sh build/host/bin/anpr-synth

ocr-model: build
	tools/train-ocr.sh build/host/bin

glyph-shape: build
	tools/train-glyph-shape.sh build/host/bin

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	@tools/run-fuzzers.sh build/fuzz/bin $(FUZZ_SECONDS)

format:
	git ls-files -co --exclude-standard -- '*.c' '*.h' '*.cpp' | grep -v '^build/' | xargs clang-format -i

docs: build
	build/host/bin/anprd --config-doc > docs/config.md

clean:
	rm -rf build/host build/host-debug build/host-release build/asan build/fuzz build/aarch64
