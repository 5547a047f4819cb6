{
  "targets": [
    {
      "target_name": "tio",
      "sources": [
        "native/addon.c",
        "native/args.c",
        "native/fd.c",
        "native/tun.c",
        "native/netdev.c",
        "native/io.c",
        "native/poll.c",
        "native/aead.c",
        "native/udp.c",
        "native/checksum.c",
        "native/copy.c",
        "native/gcm.c"
      ],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"],
      "include_dirs": ["<(node_root_dir)/include/node"]
    }
  ]
}
