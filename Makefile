# Top-level build for the outcall platform.
#
#   make            build every service, tool and test binary
#   make run        install what is missing, build, start the whole local stack
#   make test       install what is missing, build, run unit + integration tests
#   make deps       install the Debian packages the project needs
#   make SANITIZE=address,undefined test   the same tree under sanitizers
#   make V=1        print every command
#
# Each service contributes services/<name>/service.mk (its extra libraries);
# the rules below are shared by all of them.

SERVICES := gateway lead-ingest assistants scheduler dialer media analyzer \
            calendar billing tickets
TOOLS    := $(notdir $(patsubst %/,%,$(wildcard tools/*/)))

comma := ,
ifeq ($(SANITIZE),)
BUILD ?= build
SAN_FLAGS :=
else
BUILD ?= build/san-$(subst $(comma),-,$(SANITIZE))
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

CC ?= cc
# Flags from pkg-config, computed once per make invocation.
PKGS := libnats libprotobuf-c libpq jansson libcurl openssl libargon2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcivetweb -lpthread -lm

OPT ?= -O2
CFLAGS  := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(OPT) -g \
           -Wall -Wextra -Wno-missing-field-initializers -MMD -MP $(SAN_FLAGS) \
           -Ishared/include -I$(BUILD)/gen $(PKG_CFLAGS)
LDFLAGS := $(SAN_FLAGS)

# ---------------------------------------------------------------- protobuf

PROTOS     := $(wildcard proto/*.proto)
PROTO_C    := $(patsubst %.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
PROTO_H    := $(PROTO_C:.c=.h)
PROTO_OBJS := $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(PROTO_C))
LIBPROTO   := $(BUILD)/lib/libocproto.a

$(BUILD)/gen/proto/%.pb-c.c $(BUILD)/gen/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(@D)
	@echo "  PROTOC  $<"
	$(Q)protoc-c --proto_path=. --c_out=$(BUILD)/gen $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Wno-unused-parameter -c -o $@ $<

# Keep generated sources around for reading and debugging.
.SECONDARY: $(PROTO_C) $(PROTO_H)

$(LIBPROTO): $(PROTO_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# ---------------------------------------------------------------- shared library

SHARED_SRCS := $(wildcard shared/src/*.c)
SHARED_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(SHARED_SRCS))
LIBOC       := $(BUILD)/lib/liboc.a

$(LIBOC): $(SHARED_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# Every object may include generated protobuf headers.
$(BUILD)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# C++ only where a library offers nothing else (libphonenumber); such files
# expose a plain C interface to the rest of the service.
CXXFLAGS := -std=c++17 $(OPT) -g -Wall -Wextra -MMD -MP $(SAN_FLAGS) -Ishared/include -I$(BUILD)/gen
$(BUILD)/obj/%.o: %.cc | $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(Q)$(CXX) $(CXXFLAGS) -c -o $@ $<

# ---------------------------------------------------------------- services

# service_template(name): binary, embedded migrations and unit-test binary.
# $(1)_LIBS and $(1)_PKGS come from services/$(1)/service.mk.
define service_template
$(1)_ID   := $(subst -,_,$(1))
$(1)_SRCS := $$(wildcard services/$(1)/*.c) $$(wildcard services/$(1)/*.cc)
$(1)_OBJS := $$(patsubst %,$(BUILD)/obj/%.o,$$(basename $$($(1)_SRCS))) $(BUILD)/obj/gen/migrations/$(1).o
$(1)_LIB_OBJS := $$(filter-out %/main.o,$$($(1)_OBJS))
$(1)_PKGLIBS := $$(if $$($(1)_PKGS),$$(shell pkg-config --libs $$($(1)_PKGS)))
# Include paths of $(1)_PKGS (sofia-sip, pocketsphinx) for the service's own objects only.
$$(filter $(BUILD)/obj/services/%,$$($(1)_OBJS)): CFLAGS += $$(if $$($(1)_PKGS),$$(shell pkg-config --cflags $$($(1)_PKGS)))
$(1)_ALL_LIBS = $$($(1)_LIBS) $$($(1)_PKGLIBS) $$(if $$(wildcard services/$(1)/*.cc),-lstdc++)
$(1)_UNIT_SRCS := $$(wildcard tests/unit/$(1)/*.c)

$(BUILD)/gen/migrations/$(1).c: $$(sort $$(wildcard services/$(1)/migrations/*.sql)) scripts/embed-sql.sh
	@mkdir -p $$(@D)
	$(Q)scripts/embed-sql.sh $$($(1)_ID) $$(sort $$(wildcard services/$(1)/migrations/*.sql)) > $$@

$(BUILD)/bin/$(1): $$($(1)_OBJS) $(LIBOC) $(LIBPROTO)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $$($(1)_ALL_LIBS) $(PKG_LIBS)

$(BUILD)/tests/unit-$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_UNIT_SRCS)) $$($(1)_LIB_OBJS) $(LIBOC) $(LIBPROTO)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $$($(1)_ALL_LIBS) $(PKG_LIBS) -lcriterion

# Benchmarks that exercise a service's own code: <name>_BENCHES := ingest
# builds bench/ingest.c into $(BUILD)/bench/ingest with the service's objects.
$$(foreach b,$$($(1)_BENCHES),$$(eval $$(call service_bench,$(1),$$(b))))

UNIT_TESTS += $$(if $$($(1)_UNIT_SRCS),$(BUILD)/tests/unit-$(1))
endef

define service_bench
$(BUILD)/bench/$(2): $(BUILD)/obj/bench/$(2).o $$($(1)_LIB_OBJS) $(LIBOC) $(LIBPROTO)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $$($(1)_ALL_LIBS) $(PKG_LIBS)
SERVICE_BENCHES += $(BUILD)/bench/$(2)
endef

-include $(wildcard services/*/service.mk)
$(foreach s,$(SERVICES),$(eval $(call service_template,$(s))))

# ---------------------------------------------------------------- tools

define tool_template
$(1)_TOOL_OBJS := $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard tools/$(1)/*.c))
$$($(1)_TOOL_OBJS): CFLAGS += $$(if $$($(1)_PKGS),$$(shell pkg-config --cflags $$($(1)_PKGS)))
$(BUILD)/bin/$(1): $$($(1)_TOOL_OBJS) $$(foreach w,$$($(1)_WITH),$$($$(w)_LIB_OBJS)) $(LIBOC) $(LIBPROTO)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(foreach w,$$($(1)_WITH),$$($$(w)_ALL_LIBS)) $$(if $$($(1)_PKGS),$$(shell pkg-config --libs $$($(1)_PKGS))) $(PKG_LIBS)

# A tool's unit tests link its objects except main.o, as a service's do.
$(1)_TOOL_UNIT_SRCS := $$(wildcard tests/unit/$(1)/*.c)
$(BUILD)/tests/unit-$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_TOOL_UNIT_SRCS)) $$(filter-out %/main.o,$$($(1)_TOOL_OBJS)) $$(foreach w,$$($(1)_WITH),$$($$(w)_LIB_OBJS)) $(LIBOC) $(LIBPROTO)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(foreach w,$$($(1)_WITH),$$($$(w)_ALL_LIBS)) $$(if $$($(1)_PKGS),$$(shell pkg-config --libs $$($(1)_PKGS))) $(PKG_LIBS) -lcriterion
UNIT_TESTS += $$(if $$($(1)_TOOL_UNIT_SRCS),$(BUILD)/tests/unit-$(1))
endef
-include $(wildcard tools/*/tool.mk)
$(foreach t,$(TOOLS),$(eval $(call tool_template,$(t))))

# ---------------------------------------------------------------- tests

SHARED_UNIT_SRCS := $(wildcard tests/unit/shared/*.c)
$(BUILD)/tests/unit-shared: $(patsubst %.c,$(BUILD)/obj/%.o,$(SHARED_UNIT_SRCS)) $(LIBOC) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion
UNIT_TESTS := $(BUILD)/tests/unit-shared $(UNIT_TESTS)

INTEGRATION_SRCS := $(wildcard tests/integration/*.c)
$(BUILD)/tests/integration: $(patsubst %.c,$(BUILD)/obj/%.o,$(INTEGRATION_SRCS)) $(LIBOC) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion
INTEGRATION_TESTS := $(if $(INTEGRATION_SRCS),$(BUILD)/tests/integration)

DEPLOY_SRCS := $(wildcard tests/deploy/*.c)
$(BUILD)/tests/deploy: $(patsubst %.c,$(BUILD)/obj/%.o,$(DEPLOY_SRCS)) $(LIBOC) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion
UNIT_TESTS += $(if $(DEPLOY_SRCS),$(BUILD)/tests/deploy)

# Benchmarks of a service's code are declared in its service.mk (see
# service_bench); the rest link the shared library only.
BENCHES := $(SERVICE_BENCHES) $(filter-out $(SERVICE_BENCHES),$(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c)))
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBOC) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---------------------------------------------------------------- targets

BINS := $(addprefix $(BUILD)/bin/,$(SERVICES) $(TOOLS))

.PHONY: all build tests deps run test unit integration clean format benches print-services
.DEFAULT_GOAL := all

all: $(BINS) tests benches

build: $(BINS)

tests: $(UNIT_TESTS) $(INTEGRATION_TESTS)

benches: $(BENCHES)

deps:
	@scripts/deps.sh

# run and test call make again so that pkg-config flags are read after deps
# installed the packages on a fresh machine.
run:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory build
	@BUILD=$(BUILD) scripts/stack.sh run

test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) scripts/run-tests.sh

unit: $(UNIT_TESTS)
	@BUILD=$(BUILD) scripts/run-tests.sh unit

integration: all
	@BUILD=$(BUILD) scripts/run-tests.sh integration

print-services:
	@echo $(SERVICES)

format:
	clang-format -i $(wildcard shared/include/oc/*.h shared/src/*.c services/*/*.c services/*/*.h tools/*/*.c tests/*/*.c tests/*/*/*.c)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
