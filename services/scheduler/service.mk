# scheduler: local time comes from GLib's GTimeZone over the system's tz
# database (see calling_window.c for why not ICU). The Makefile adds a
# service's pkg-config libraries but not its compiler flags, so the one
# file that includes glib.h gets them here.
scheduler_PKGS := glib-2.0
$(BUILD)/obj/services/scheduler/calling_window.o: CFLAGS += $(shell pkg-config --cflags glib-2.0)

# bench/dispatch: due calls to jobs on the work queue, with the service's own dispatcher.
scheduler_BENCHES := dispatch
