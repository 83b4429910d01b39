# workerd config for one worker under test (lab/shared/workerd.ts fills it in, for
# the bench and the soak). The worker runs as deployed: one ES module, the
# project's compatibility date, and an outbound network allowed to reach the
# loopback origins.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
    {{EXTRA_SERVICES}}
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:{{PORT}}", http = (), service = "main"),
  ],
  v8Flags = [{{V8_FLAGS}}],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "{{MODULE}}", esModule = embed "{{MODULE}}"),
  ],
  compatibilityDate = "{{COMPAT_DATE}}",
  bindings = [{{BINDINGS}}],
  {{DURABLE_OBJECTS}}
  globalOutbound = "internet",
);
