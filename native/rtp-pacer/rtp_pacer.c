/*
 * The AES67 RTP pacing thread (Linux). One pthread per sender: it sleeps with
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) to each packet's deadline, takes the
 * packet's frames from the shared audio ring (main/engine/aes67/audio-ring.ts, written by the
 * engine thread: the same single-producer/single-consumer ring the JavaScript pacer reads),
 * encodes them (L24/L16 big-endian, exactly as rtp.ts does), and sends the packet with send()
 * on its own connected UDP socket. An empty ring sends silence with continuous timestamps.
 *
 * Why the thread reads the audio ring itself instead of a ring of packets prepared by a
 * JavaScript worker: measured on this shared 2-core machine under load, such a producer
 * thread (normal priority, with a garbage collector) was held off the CPU for more than
 * 20 ms at a time, so the real-time thread had nothing to send; the audio ring already holds
 * the engine's 40 ms buffer, and encoding one packet costs about a microsecond.
 *
 * Why CLOCK_MONOTONIC: the media clock is published as a mapping from the process's
 * monotonic clock (process.hrtime.bigint() = libuv's clock_gettime(CLOCK_MONOTONIC)) to PTP
 * time (main/engine/aes67/media-clock.ts). The PTP follower timestamps with the same clock.
 * CLOCK_TAI / CLOCK_REALTIME are the system's wall clock, which is neither PTP time (nothing
 * here disciplines it to the grandmaster) nor step-free (NTP or an operator can set it), so a
 * sleep on them would jump. Each deadline is the mapping's inverse applied to the packet's
 * PTP due time, re-read for every packet, exactly as the JavaScript pacer does.
 *
 * Only node_api.h is used, so one binary loads in Node and in Electron.
 */
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Layouts shared with TypeScript (keep in step): */
/* media-clock.ts: Int32 [0] seqlock; Int64 @8 localAnchorNs, @16 ptpAnchorNs; Float64 @24 rate ppb. */
/* pacer-stats.ts: Float64 counters @0 (12), Int32 histogram @96 (LATENESS_BINS + 1), 10 us bins. */
enum { C_SENT, C_LATE1MS, C_RESYNCS, C_UNDERRUNS, C_SILENT, C_MAXLATE, C_SENDERR, C_SKIPPED, C_CATCHUP };
#define STATS_COUNTERS 12
#define LATENESS_BIN_NS 10000
#define LATENESS_BINS 5000
/* audio-ring.ts: Int32 [0] write position, [1] read position (frames, modulo 2 x capacity),
 * [2] channels, [3] capacity (frames); Float32 interleaved frames from byte 16. */
#define RING_HEADER_BYTES 16

#define RATE 48000
#define MAX_SLEEP_NS 2000000LL /* a stop is seen within 2 ms even if a deadline is far away */
#define MAX_PACKET 1500

typedef struct {
  /* shared memory (kept alive by references held in the JavaScript thread that started us) */
  uint8_t *ring;
  size_t ring_len;
  uint8_t *clock;
  uint8_t *stats;
  napi_ref refs[3];
  napi_env env;

  int fd;
  int64_t first_sample;
  uint32_t first_timestamp;
  uint16_t first_sequence;
  uint32_t ssrc;
  int payload_type;
  int frames;
  int max_catch_up;
  int bytes_per_sample; /* 3 = L24, 2 = L16 */
  int channels;
  int64_t prime_frames;
  int playing;
  int want_realtime;
  int rt_priority;

  pthread_t thread;
  int thread_started;
  int stop;   /* atomic */
  int joined;

  /* start handshake */
  pthread_mutex_t lock;
  pthread_cond_t ready_cond;
  int ready;
  int tid;
  int rt_granted;
  char rt_reason[160];
} pacer_t;

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Local monotonic ns at which the media clock reads the end of packet k (its due time). */
static int64_t due_local(const pacer_t *p, int64_t k) {
  int32_t *seq = (int32_t *)p->clock;
  int64_t *big = (int64_t *)p->clock;
  int64_t local_anchor = 0, ptp_anchor = 0;
  double ppb = 0;
  for (int attempt = 0; attempt < 1000; attempt++) {
    int32_t before = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
    if (before & 1) continue;
    local_anchor = __atomic_load_n(&big[1], __ATOMIC_ACQUIRE);
    ptp_anchor = __atomic_load_n(&big[2], __ATOMIC_ACQUIRE);
    uint64_t bits = __atomic_load_n((uint64_t *)&big[3], __ATOMIC_ACQUIRE);
    memcpy(&ppb, &bits, sizeof ppb);
    if (__atomic_load_n(seq, __ATOMIC_ACQUIRE) == before) break;
  }
  int64_t due_sample = p->first_sample + (k + 1) * (int64_t)p->frames;
  int64_t due_ptp = (int64_t)(((__int128)due_sample * 1000000000) / RATE); /* floor, as the BigInt division */
  double elapsed = (double)(due_ptp - ptp_anchor);
  return local_anchor + llround(elapsed / (1.0 + ppb * 1e-9));
}

static void record_send(pacer_t *p, int64_t late_ns, int silent, int catch_up) {
  double *c = (double *)p->stats;
  int32_t *hist = (int32_t *)(p->stats + STATS_COUNTERS * 8);
  c[C_SENT] += 1;
  if (silent) c[C_SILENT] += 1;
  if (catch_up) c[C_CATCHUP] += 1;
  if (late_ns > 1000000) c[C_LATE1MS] += 1;
  if ((double)late_ns > c[C_MAXLATE]) c[C_MAXLATE] = (double)late_ns;
  int64_t bin = late_ns / LATENESS_BIN_NS;
  if (bin < 0) bin = 0;
  if (bin > LATENESS_BINS) bin = LATENESS_BINS;
  __atomic_fetch_add(&hist[bin], 1, __ATOMIC_RELAXED);
}

/* Sleeps until `deadline` on the monotonic clock in slices of at most 2 ms; 1 = stop requested. */
static int sleep_until(pacer_t *p, int64_t deadline) {
  for (;;) {
    if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) return 1;
    int64_t now = mono_ns();
    if (now >= deadline) return 0;
    int64_t target = deadline - now > MAX_SLEEP_NS ? now + MAX_SLEEP_NS : deadline;
    struct timespec ts = { .tv_sec = target / 1000000000LL, .tv_nsec = target % 1000000000LL };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
  }
}

static int64_t ring_fill(const pacer_t *p, int32_t *hdr) {
  int64_t span = 2 * (int64_t)hdr[3];
  int64_t w = __atomic_load_n(&hdr[0], __ATOMIC_ACQUIRE), r = __atomic_load_n(&hdr[1], __ATOMIC_RELAXED);
  (void)p;
  return (w - r + span) % span;
}

/* Drops up to `frames` frames from the read side (a resync skips the audio it did not send). */
static void ring_discard(pacer_t *p, int64_t frames) {
  int32_t *hdr = (int32_t *)p->ring;
  int64_t fill = ring_fill(p, hdr), n = frames < fill ? frames : fill;
  int64_t span = 2 * (int64_t)hdr[3];
  int32_t r = __atomic_load_n(&hdr[1], __ATOMIC_RELAXED);
  __atomic_store_n(&hdr[1], (int32_t)((r + n) % span), __ATOMIC_RELEASE);
}

/* Math.round(x * (full + 1)) clipped to [-full - 1, full], as rtp.ts toInt(). */
static int32_t to_int(float x, int32_t full) {
  double v = floor((double)x * (full + 1.0) + 0.5);
  if (v > full) return full;
  if (v < -full - 1.0) return -full - 1;
  return (int32_t)v;
}

/* The payload of the next packet: audio when playing (prime fill reached), else silence. 1 = silent. */
static int fill_payload(pacer_t *p, uint8_t *out) {
  int32_t *hdr = (int32_t *)p->ring;
  int64_t fill = ring_fill(p, hdr);
  if (p->playing && fill < p->frames) {
    p->playing = 0;
    ((double *)p->stats)[C_UNDERRUNS] += 1;
  }
  if (!p->playing && fill >= p->prime_frames && fill >= p->frames) p->playing = 1;
  size_t bytes = (size_t)p->frames * p->channels * p->bytes_per_sample;
  if (!p->playing) {
    memset(out, 0, bytes);
    return 1;
  }
  int64_t capacity = hdr[3];
  const float *data = (const float *)(p->ring + RING_HEADER_BYTES);
  int32_t r = __atomic_load_n(&hdr[1], __ATOMIC_RELAXED);
  int32_t full = p->bytes_per_sample == 3 ? 8388607 : 32767;
  uint8_t *o = out;
  for (int f = 0; f < p->frames; f++) {
    const float *frame = data + ((r + f) % capacity) * p->channels;
    for (int c = 0; c < p->channels; c++) {
      int32_t v = to_int(frame[c], full);
      if (p->bytes_per_sample == 3) *o++ = (uint8_t)(v >> 16);
      *o++ = (uint8_t)(v >> 8);
      *o++ = (uint8_t)v;
    }
  }
  __atomic_store_n(&hdr[1], (int32_t)((r + p->frames) % (2 * capacity)), __ATOMIC_RELEASE); /* frames free for the writer */
  return 0;
}

/* Sends packet k with sequence `seq`, due at `due` (local monotonic ns). */
static void send_packet(pacer_t *p, int64_t k, uint16_t seq, int64_t due, int catch_up) {
  uint8_t packet[MAX_PACKET];
  int silent = fill_payload(p, packet + 12);
  int payload_bytes = p->frames * p->channels * p->bytes_per_sample;
  uint32_t ts = p->first_timestamp + (uint32_t)(k * p->frames);
  packet[0] = 0x80;
  packet[1] = (uint8_t)((seq == p->first_sequence && ((double *)p->stats)[C_SENT] == 0 ? 0x80 : 0) | p->payload_type); /* marker: first packet only */
  packet[2] = seq >> 8;
  packet[3] = seq & 0xff;
  packet[4] = ts >> 24; packet[5] = ts >> 16; packet[6] = ts >> 8; packet[7] = ts;
  packet[8] = p->ssrc >> 24; packet[9] = p->ssrc >> 16; packet[10] = p->ssrc >> 8; packet[11] = p->ssrc;
  int64_t now = mono_ns(); /* lateness is measured at the send call, against the absolute deadline */
  if (send(p->fd, packet, 12 + payload_bytes, MSG_DONTWAIT) < 0) ((double *)p->stats)[C_SENDERR] += 1;
  record_send(p, now > due ? now - due : 0, silent, catch_up);
}

static void *pacer_main(void *arg) {
  pacer_t *p = arg;
  /* Timer slack: a normal thread's sleeps may end up to 50 us late by default. */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  pthread_setname_np(pthread_self(), "aes67-pacer"); /* visible in ps -L / top -H */
  int granted = 0;
  char reason[160] = "";
  if (p->want_realtime) {
    struct sched_param sp = { .sched_priority = p->rt_priority };
    int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (err == 0) granted = 1;
    else snprintf(reason, sizeof reason, "SCHED_FIFO %d: %s (needs CAP_SYS_NICE or an RLIMIT_RTPRIO allowance)", p->rt_priority, strerror(err));
  } else {
    snprintf(reason, sizeof reason, "not requested");
  }
  pthread_mutex_lock(&p->lock);
  p->tid = (int)syscall(SYS_gettid);
  p->rt_granted = granted;
  snprintf(p->rt_reason, sizeof p->rt_reason, "%s", reason);
  p->ready = 1;
  pthread_cond_signal(&p->ready_cond);
  pthread_mutex_unlock(&p->lock);

  const int64_t packet_ns = (int64_t)p->frames * 1000000000LL / RATE;
  int64_t k = 0;
  uint16_t seq = p->first_sequence;
  double *c = (double *)p->stats;
  while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
    int64_t due = due_local(p, k);
    int64_t ahead = due - mono_ns();
    if (ahead > (int64_t)p->max_catch_up * packet_ns) {
      /* The media clock stepped back (e.g. the follower's first lock: free-run guessed TAI, the
       * grandmaster runs ARB): follow it, so RTP timestamp - PTP time stays constant. Packet k
       * moves back to the one due next; the sequence stays continuous; counted as a resync. */
      int64_t back = ahead / packet_ns;
      k -= back;
      c[C_RESYNCS] += 1;
      c[C_SKIPPED] += (double)back;
      due = due_local(p, k);
    }
    if (sleep_until(p, due)) break;
    int64_t late = mono_ns() - due;
    if (late > (int64_t)p->max_catch_up * packet_ns) {
      /* Too far behind to catch up: skip to the packet due now and drop the audio it carried. */
      int64_t skip = late / packet_ns;
      k += skip;
      ring_discard(p, skip * p->frames);
      c[C_RESYNCS] += 1;
      c[C_SKIPPED] += (double)skip;
      due = due_local(p, k);
    }
    send_packet(p, k++, seq++, due, 0);
    /* Bounded catch-up: what is already due goes out back to back. */
    for (int i = 0; i < p->max_catch_up; i++) {
      due = due_local(p, k);
      if (mono_ns() < due) break;
      send_packet(p, k++, seq++, due, 1);
    }
  }
  return NULL;
}

/* ---- N-API glue ---- */

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, "RTP_PACER", "N-API call failed: " #call);       \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static int get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  return napi_get_named_property(env, obj, name, out) == napi_ok;
}

static int64_t get_int(napi_env env, napi_value obj, const char *name, int64_t fallback) {
  napi_value v;
  double d;
  if (!get_prop(env, obj, name, &v) || napi_get_value_double(env, v, &d) != napi_ok) return fallback;
  return (int64_t)d;
}

static int get_string(napi_env env, napi_value obj, const char *name, char *buf, size_t len) {
  napi_value v;
  size_t n;
  return get_prop(env, obj, name, &v) && napi_get_value_string_utf8(env, v, buf, len, &n) == napi_ok;
}

static int get_bytes(napi_env env, napi_value obj, const char *name, uint8_t **data, size_t *len, napi_ref *ref) {
  napi_value v;
  bool is_typed = false;
  napi_typedarray_type type;
  void *ptr;
  napi_value ab;
  size_t off;
  if (!get_prop(env, obj, name, &v) || napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &off) != napi_ok || type != napi_uint8_array) return 0;
  *data = ptr;
  return napi_create_reference(env, v, 1, ref) == napi_ok;
}

static void release_refs(pacer_t *p) {
  for (int i = 0; i < 3; i++)
    if (p->refs[i]) {
      napi_delete_reference(p->env, p->refs[i]);
      p->refs[i] = NULL;
    }
}

static napi_value make_result_error(napi_env env, const char *message) {
  napi_value obj, msg;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_set_named_property(env, obj, "error", msg);
  return obj;
}

static int set_int_opt(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value);
}

/* Frees what is left when a pacer object is collected without stop() (never while the thread runs). */
static void finalize_pacer(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  pacer_t *p = data;
  if (p->thread_started && !p->joined) return; /* a thread that did not join keeps its memory */
  if (p->fd >= 0) close(p->fd);
  release_refs(p);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->ready_cond);
  free(p);
}

/* The JavaScript thread that owns the pacer is going away (worker terminated): never leave the thread running. */
static void env_cleanup(void *arg) {
  pacer_t *p = arg;
  if (!p->thread_started || p->joined) return;
  __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 1;
  if (pthread_timedjoin_np(p->thread, NULL, &until) == 0) p->joined = 1;
  if (p->joined && p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
}

/*
 * start({ ring (audio), clock, stats: Uint8Array over the shared buffers; group, port, ttl,
 *         interfaceAddress, loopback, dscp, payloadType, ssrc, firstSequence, firstTimestamp,
 *         firstSample, framesPerPacket, bytesPerSample, primeFrames, maxCatchUpPackets, realtime,
 *         realtimePriority })
 * -> { pacer, tid, dscp: { set, dscp } | { set: false, reason }, realtime: { granted, reason } } | { error }
 */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return make_result_error(env, "start needs an options object");
  napi_value o = argv[0];
  pacer_t *p = calloc(1, sizeof *p);
  if (!p) return make_result_error(env, "out of memory");
  p->env = env;
  p->fd = -1;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->ready_cond, NULL);
  size_t clock_len = 0, stats_len = 0;
  char err[200] = "";
  if (!get_bytes(env, o, "ring", &p->ring, &p->ring_len, &p->refs[0]) || !get_bytes(env, o, "clock", &p->clock, &clock_len, &p->refs[1]) ||
      !get_bytes(env, o, "stats", &p->stats, &stats_len, &p->refs[2])) {
    snprintf(err, sizeof err, "ring, clock and stats must be Uint8Arrays over shared memory");
  } else if (clock_len < 32 || stats_len < STATS_COUNTERS * 8 + (LATENESS_BINS + 1) * 4 || p->ring_len < RING_HEADER_BYTES) {
    snprintf(err, sizeof err, "a shared buffer is too small");
  }
  p->first_sample = get_int(env, o, "firstSample", 0);
  p->first_timestamp = (uint32_t)get_int(env, o, "firstTimestamp", 0);
  p->first_sequence = (uint16_t)get_int(env, o, "firstSequence", 0);
  p->ssrc = (uint32_t)get_int(env, o, "ssrc", 0);
  p->payload_type = (int)get_int(env, o, "payloadType", 97) & 0x7f;
  p->frames = (int)get_int(env, o, "framesPerPacket", 48);
  p->bytes_per_sample = (int)get_int(env, o, "bytesPerSample", 3);
  p->prime_frames = get_int(env, o, "primeFrames", 0);
  p->max_catch_up = (int)get_int(env, o, "maxCatchUpPackets", 20);
  p->want_realtime = (int)get_int(env, o, "realtime", 1);
  p->rt_priority = (int)get_int(env, o, "realtimePriority", 20);
  if (!err[0]) {
    int32_t *hdr = (int32_t *)p->ring;
    p->channels = hdr[2];
    if (p->frames <= 0 || p->channels < 1 || p->channels > 8 || (p->bytes_per_sample != 2 && p->bytes_per_sample != 3) ||
        12 + p->frames * p->channels * p->bytes_per_sample > MAX_PACKET || hdr[3] < p->frames ||
        RING_HEADER_BYTES + (size_t)hdr[2] * (size_t)hdr[3] * 4 > p->ring_len)
      snprintf(err, sizeof err, "packet size or ring layout out of range");
  }

  /* The socket: multicast TTL, outgoing interface, loopback, DSCP, connected to the group. */
  char group[64] = "", iface[64] = "";
  struct in_addr group_addr, iface_addr;
  if (!err[0] && (!get_string(env, o, "group", group, sizeof group) || !get_string(env, o, "interfaceAddress", iface, sizeof iface) ||
                  inet_pton(AF_INET, group, &group_addr) != 1 || inet_pton(AF_INET, iface, &iface_addr) != 1))
    snprintf(err, sizeof err, "group and interfaceAddress must be IPv4 addresses");
  int dscp = (int)get_int(env, o, "dscp", 34);
  int dscp_set = 0;
  char dscp_reason[120] = "";
  if (!err[0]) {
    p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (p->fd < 0) snprintf(err, sizeof err, "socket: %s", strerror(errno));
  }
  if (!err[0]) {
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)get_int(env, o, "port", 5004)), .sin_addr = group_addr };
    if (set_int_opt(p->fd, IPPROTO_IP, IP_MULTICAST_TTL, (int)get_int(env, o, "ttl", 32)) != 0 ||
        setsockopt(p->fd, IPPROTO_IP, IP_MULTICAST_IF, &iface_addr, sizeof iface_addr) != 0 ||
        set_int_opt(p->fd, IPPROTO_IP, IP_MULTICAST_LOOP, (int)get_int(env, o, "loopback", 0) ? 1 : 0) != 0 ||
        connect(p->fd, (struct sockaddr *)&to, sizeof to) != 0)
      snprintf(err, sizeof err, "multicast setup on %s failed: %s", iface, strerror(errno));
  }
  if (!err[0]) {
    int tos = dscp << 2, back = -1;
    socklen_t len = sizeof back;
    if (set_int_opt(p->fd, IPPROTO_IP, IP_TOS, tos) == 0 && getsockopt(p->fd, IPPROTO_IP, IP_TOS, &back, &len) == 0 && back == tos) dscp_set = 1;
    else snprintf(dscp_reason, sizeof dscp_reason, "the system refused IP_TOS");
  }
  if (!err[0]) {
    int rc = pthread_create(&p->thread, NULL, pacer_main, p);
    if (rc != 0) snprintf(err, sizeof err, "pthread_create: %s", strerror(rc));
    else p->thread_started = 1;
  }
  if (err[0]) {
    finalize_pacer(env, p, NULL);
    return make_result_error(env, err);
  }
  pthread_mutex_lock(&p->lock);
  while (!p->ready) pthread_cond_wait(&p->ready_cond, &p->lock);
  pthread_mutex_unlock(&p->lock);

  napi_add_env_cleanup_hook(env, env_cleanup, p);
  napi_value result, handle, v, d, rt;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_external(env, p, finalize_pacer, NULL, &handle));
  CHECK(napi_set_named_property(env, result, "pacer", handle));
  CHECK(napi_create_int32(env, p->tid, &v));
  CHECK(napi_set_named_property(env, result, "tid", v));
  CHECK(napi_create_object(env, &d));
  CHECK(napi_get_boolean(env, dscp_set, &v));
  CHECK(napi_set_named_property(env, d, "set", v));
  if (dscp_set) {
    CHECK(napi_create_int32(env, dscp, &v));
    CHECK(napi_set_named_property(env, d, "dscp", v));
  } else {
    CHECK(napi_create_string_utf8(env, dscp_reason, NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, d, "reason", v));
  }
  CHECK(napi_set_named_property(env, result, "dscp", d));
  CHECK(napi_create_object(env, &rt));
  CHECK(napi_get_boolean(env, p->rt_granted, &v));
  CHECK(napi_set_named_property(env, rt, "granted", v));
  CHECK(napi_create_string_utf8(env, p->rt_reason, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, rt, "reason", v));
  CHECK(napi_set_named_property(env, result, "realtime", rt));
  return result;
}

/* stop(pacer, deadlineMs) -> { joined, ms }: sets the flag (the thread sleeps <= 2 ms at a time), joins within the deadline, closes the socket. */
static napi_value stop(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pacer_t *p = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&p) != napi_ok || !p) {
    napi_throw_type_error(env, "RTP_PACER", "stop needs the pacer handle from start()");
    return NULL;
  }
  double deadline_ms = 1000;
  if (argc > 1) napi_get_value_double(env, argv[1], &deadline_ms);
  int64_t t0 = mono_ns();
  if (p->thread_started && !p->joined) {
    __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until); /* pthread_timedjoin_np takes a CLOCK_REALTIME deadline */
    int64_t end = (int64_t)until.tv_sec * 1000000000LL + until.tv_nsec + (int64_t)(deadline_ms * 1e6);
    until.tv_sec = end / 1000000000LL;
    until.tv_nsec = end % 1000000000LL;
    if (pthread_timedjoin_np(p->thread, NULL, &until) == 0) {
      p->joined = 1;
      napi_remove_env_cleanup_hook(env, env_cleanup, p);
    }
  }
  if (p->joined && p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
  napi_value result, v;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_get_boolean(env, p->joined, &v));
  CHECK(napi_set_named_property(env, result, "joined", v));
  CHECK(napi_create_double(env, (double)(mono_ns() - t0) / 1e6, &v));
  CHECK(napi_set_named_property(env, result, "ms", v));
  return result;
}

/* Monotonic clock in ns as a BigInt (tests check it is the clock process.hrtime.bigint() reads). */
static napi_value monotonic_ns(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  CHECK(napi_create_bigint_int64(env, mono_ns(), &v));
  return v;
}

/* CLOCK_REALTIME in ns as a BigInt (the benchmark converts deadlines to capture timestamps with it). */
static napi_value realtime_ns(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  napi_value v;
  CHECK(napi_create_bigint_int64(env, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, &v));
  return v;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "start", NULL, start, NULL, NULL, NULL, napi_default, NULL },
    { "stop", NULL, stop, NULL, NULL, NULL, napi_default, NULL },
    { "monotonicNs", NULL, monotonic_ns, NULL, NULL, NULL, napi_default, NULL },
    { "realtimeNs", NULL, realtime_ns, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
