{
  "targets": [
    {
      "target_name": "tio",
      "sources": [
        "native/addon.c",
        "native/args.c",
        "native/fd.c",
        "native/memory.c",
        "native/sched.c",
        "native/tun.c",
        "native/netdev.c",
        "native/io.c",
        "native/uring.c",
        "native/poll.c",
        "native/loop_wait.c",
        "native/aead.c",
        "native/aead_evp.c",
        "native/aead_provider.c",
        "native/udp.c",
        "native/checksum.c",
        "native/copy.c"
      ],
      "cflags": [
        "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter",
        "-fstack-protector-strong", "-fstack-clash-protection",
        "-fno-strict-overflow", "-fno-strict-aliasing", "-fno-delete-null-pointer-checks",
        "-Wformat", "-Wformat-security", "-Werror=format-security",
        "-U_FORTIFY_SOURCE", "-D_FORTIFY_SOURCE=2"
      ],
      "ldflags": ["-Wl,-z,relro", "-Wl,-z,now", "-Wl,-z,noexecstack"],
      "defines": ["NAPI_VERSION=8"],
      "include_dirs": ["<(node_root_dir)/include/node"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {"cflags": ["-fcf-protection"]}]
      ]
    }
  ]
}
