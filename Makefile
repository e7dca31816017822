# Clarity: `make demo` installs what is missing and upscales a bundled sample; `make test` runs the tests.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := ffmpeg pkg-config libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev libswscale-dev libswresample-dev libavutil-dev libass-dev libdnnl-dev
BIN := .build/$(CONFIG)/clarity
DEMO_INPUT := streams/dune-pan-720p-qp27.mp4

.PHONY: deps build demo test bench install uninstall clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

demo: build
	@mkdir -p out
	$(BIN) transcode $(DEMO_INPUT) out/demo-4k.mp4 --scale 3 --overwrite
	$(BIN) transcode $(DEMO_INPUT) out/demo-4k-bicubic.mp4 --scale 3 --model bicubic --overwrite
	@echo "Wrote out/demo-4k.mp4 (Bicubic++) and out/demo-4k-bicubic.mp4 (bicubic) to compare"

# On failure, the end of the log repeats what failed (CI shows only the tail).
test: deps
	$(SWIFT) build -c $(CONFIG)
	@mkdir -p .build; set -o pipefail; $(SWIFT) test -c $(CONFIG) 2>&1 | tee .build/test.log || { \
		echo "=== what failed (full log: .build/test.log) ==="; \
		grep -E "error:|Fatal error|failed|crashed|signal" .build/test.log | grep -v " passed " | head -40; \
		grep -E "^Test Case .* started" .build/test.log | tail -1; \
		exit 1; }

bench: build
	$(BIN) bench speed

# The tool (`clarity`, which sets OpenMP's wait policy and runs `clarity-core` beside it) and
# its bundled models and presets (a resource folder it finds beside its real path) go into
# $(PREFIX)/lib/clarity; $(PREFIX)/bin/clarity links to it. Completions of commands, options
# and their values go where bash, zsh and fish look for them.
PREFIX ?= /usr/local
RESOURCES := Clarity_ClarityModels.resources
COMPLETIONS := bash:share/bash-completion/completions/clarity zsh:share/zsh/site-functions/_clarity \
	fish:share/fish/vendor_completions.d/clarity.fish
install: build
	rm -rf $(DESTDIR)$(PREFIX)/lib/clarity
	mkdir -p $(DESTDIR)$(PREFIX)/lib/clarity $(DESTDIR)$(PREFIX)/bin
	cp .build/$(CONFIG)/clarity .build/$(CONFIG)/clarity-core $(DESTDIR)$(PREFIX)/lib/clarity/
	cp -R .build/$(CONFIG)/$(RESOURCES) $(DESTDIR)$(PREFIX)/lib/clarity/
	ln -sf ../lib/clarity/clarity $(DESTDIR)$(PREFIX)/bin/clarity
	@for c in $(COMPLETIONS); do \
		f=$(DESTDIR)$(PREFIX)/$${c#*:}; mkdir -p $$(dirname $$f); \
		.build/$(CONFIG)/clarity --generate-completion-script $${c%%:*} > $$f; \
	done
	@echo "Installed $(PREFIX)/bin/clarity, with completions for bash, zsh and fish"

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/lib/clarity $(DESTDIR)$(PREFIX)/bin/clarity
	rm -f $(foreach c,$(COMPLETIONS),$(DESTDIR)$(PREFIX)/$(word 2,$(subst :, ,$(c))))

clean:
	rm -rf .build out
