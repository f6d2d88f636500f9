{
  "targets": [
    {
      "target_name": "rtp_pacer",
      "sources": ["rtp_pacer.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "libraries": ["-lpthread"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    }
  ]
}
