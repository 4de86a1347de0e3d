/*
 * isal-gzip: one gzip member of a buffer, deflated by Intel's ISA-L (igzip) at its level 1
 * on libuv's thread pool. Node's zlib spends ~0.7 CPU-s on a 130 MB tar at level 1; ISA-L's
 * hand-written x86 deflate takes ~0.2 CPU-s for about 0.7% more bytes, and compression is
 * most of a cold build's CPU (src/image/pgzip.ts has the why and the fallback).
 *
 *   gzip(buffer) -> Promise<Buffer>    a complete gzip member (header, deflate, trailer)
 *   version                            "isal-<headers' version>-<library file>-l1-<level buffer size>-x86-sse4.2"
 *
 * The member's bytes are a function of the input, the ISA-L library that runs, the level
 * buffer size (it sets where blocks end) and the kernels ISA-L picks for the CPU, all named
 * in `version`, which keys the build cache. The header has no name,
 * mtime 0, XFL 0 and OS 255 ("unknown"), as slipway's zlib members have.
 *
 * ISA-L's x86 kernels for SSE4.2, AVX and AVX2 write the same bytes (test/image/
 * isal-cpus.test.ts runs them under qemu); its portable C kernel, used without SSE4.2, and
 * its arm64 kernels write others. So the addon loads only on x86-64 with SSE4.2: elsewhere
 * loading throws and slipway deflates with zlib, so ISA-L layers are the same everywhere.
 *
 * Built by scripts/build-native.mjs (cc, Node's headers, -lisal).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <isa-l.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>

#define LEVEL_BUF_SIZE ISAL_DEF_LVL1_DEFAULT

static const uint8_t HEADER[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref input; /* keeps the input alive while the thread pool reads it */
  const uint8_t *in;
  size_t in_len;
  napi_ref output; /* the Buffer deflated into, made by Node on the main thread */
  uint8_t *dest;
  size_t dest_cap;
  uint8_t *spill; /* the defensive retry's own buffer, if it ran */
  size_t out_len;
  int status;
} job_t;

/*
 * The member is deflated into a Buffer Node allocates on the main thread (its pages are
 * only touched as far as the member goes), then copied into a Buffer of its own size: no
 * thread-pool malloc arenas growing (blocks malloc'd there and freed by GC finalizers cost
 * ~40 MB of peak RSS on a 700 MB tree), and no member that keeps a 1 MiB buffer alive or
 * shows its unwritten tail. The level buffer is per thread (the module is never unloaded).
 */
/* A job's status when memory ran out (ISA-L's own are small negative numbers). */
#define OUT_OF_MEMORY (-1000)
static __thread uint8_t *level_buf;

/* Output room for `in_len` bytes: with stored blocks' 5 bytes per 64 KiB, never exceeded. */
static size_t bound(size_t in_len) {
  return sizeof HEADER + in_len + in_len / 16 + 1024;
}

/* Deflates j->in into `out` (`cap` bytes); the member's size in j->out_len. */
static int deflate_into(job_t *j, uint8_t *out, size_t cap) {
  struct isal_zstream s;
  isal_deflate_stateless_init(&s);
  s.level = 1;
  s.level_buf = level_buf;
  s.level_buf_size = LEVEL_BUF_SIZE;
  /* ISA-L writes the deflate stream and the trailer (crc32, size); the header is ours. */
  s.gzip_flag = IGZIP_GZIP_NO_HDR;
  s.end_of_stream = 1;
  s.flush = NO_FLUSH;
  s.next_in = (uint8_t *)j->in;
  s.avail_in = (uint32_t)j->in_len;
  memcpy(out, HEADER, sizeof HEADER);
  s.next_out = out + sizeof HEADER;
  s.avail_out = (uint32_t)(cap - sizeof HEADER);
  int status = isal_deflate_stateless(&s);
  if (status == COMP_OK) j->out_len = sizeof HEADER + s.total_out;
  return status;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  if (level_buf == NULL && (level_buf = malloc(LEVEL_BUF_SIZE)) == NULL) {
    j->status = OUT_OF_MEMORY;
    return;
  }
  /*
   * ISA-L falls back to stored blocks within the call when deflating does not pay, and
   * bound() has room for them: the bytes never depend on the buffer's size. The bigger
   * retry is only defensive (no input has needed it).
   */
  j->status = deflate_into(j, j->dest, j->dest_cap);
  if (j->status == STATELESS_OVERFLOW) {
    size_t cap = sizeof HEADER + 2 * j->in_len + 1024;
    if ((j->spill = malloc(cap)) == NULL) {
      j->status = OUT_OF_MEMORY;
      return;
    }
    j->status = deflate_into(j, j->spill, cap);
  }
}

/* The member, a Buffer of its size. */
static napi_status member_of(napi_env env, job_t *j, napi_value *result) {
  void *copy;
  return napi_create_buffer_copy(env, j->out_len, j->spill != NULL ? j->spill : j->dest, &copy, result);
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value result;
  if (status == napi_ok && j->status == COMP_OK && member_of(env, j, &result) == napi_ok) {
    napi_resolve_deferred(env, j->deferred, result);
  } else {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      /* What failed left an exception: the promise is rejected with it, not left pending. */
      napi_get_and_clear_last_exception(env, &result);
    } else {
      char text[64];
      if (status == napi_cancelled) snprintf(text, sizeof text, "ISA-L deflate: cancelled");
      else if (j->status == OUT_OF_MEMORY || j->status == COMP_OK) snprintf(text, sizeof text, "ISA-L deflate: out of memory");
      else snprintf(text, sizeof text, "ISA-L deflate failed (status %d)", j->status);
      napi_value message;
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, NULL, message, &result);
    }
    napi_reject_deferred(env, j->deferred, result);
  }
  free(j->spill);
  napi_delete_reference(env, j->input);
  napi_delete_reference(env, j->output);
  napi_delete_async_work(env, j->work);
  free(j);
}

/* Frees a job that never ran. */
static void release_job(napi_env env, job_t *j) {
  if (j->output != NULL) napi_delete_reference(env, j->output);
  if (j->input != NULL) napi_delete_reference(env, j->input);
  if (j->work != NULL) napi_delete_async_work(env, j->work);
  free(j);
}

/* Undoes a job gzip() could not queue, and throws unless something already did. */
static napi_value not_queued(napi_env env, job_t *j) {
  release_job(env, j);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, "gzip: cannot start the deflate (out of memory)");
  return NULL;
}

static napi_value gzip(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool is_buffer = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_is_buffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "gzip: expected a Buffer");
    return NULL;
  }
  void *in;
  size_t in_len;
  napi_get_buffer_info(env, argv[0], &in, &in_len);
  if (in_len > UINT32_MAX / 4) {
    napi_throw_range_error(env, NULL, "gzip: input too large for one member");
    return NULL;
  }
  job_t *j = calloc(1, sizeof *j);
  if (j == NULL) {
    napi_throw_error(env, NULL, "gzip: out of memory");
    return NULL;
  }
  j->in = in;
  j->in_len = in_len;
  j->dest_cap = bound(in_len);
  napi_value promise, name, output;
  void *dest;
  if (napi_create_buffer(env, j->dest_cap, &dest, &output) != napi_ok ||
      napi_create_reference(env, output, 1, &j->output) != napi_ok ||
      napi_create_reference(env, argv[0], 1, &j->input) != napi_ok ||
      napi_create_string_utf8(env, "slipway:isal-gzip", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok) {
    return not_queued(env, j);
  }
  j->dest = dest;
  /* The promise last: once it exists, the job must run (complete() settles it). */
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) return not_queued(env, j);
  if (napi_queue_async_work(env, j->work) != napi_ok) {
    napi_value error;
    napi_value message;
    napi_create_string_utf8(env, "gzip: cannot queue the deflate", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, j->deferred, error);
    release_job(env, j);
  }
  return promise;
}

/* The file name of the ISA-L library this process runs (e.g. libisal.so.2.0.30), or NULL. */
static const char *library_file(char *buf, size_t size) {
  Dl_info info;
  char real[PATH_MAX];
  if (dladdr((void *)isal_deflate_stateless, &info) == 0 || info.dli_fname == NULL || realpath(info.dli_fname, real) == NULL) return NULL;
  snprintf(buf, size, "%s", basename(real));
  return buf;
}

NAPI_MODULE_INIT() {
#if !defined(__x86_64__)
  napi_throw_error(env, "GZIP_ISAL_UNCHECKED_CPU", "ISA-L's deflate is checked only on x86-64: zlib deflates here");
  return NULL;
#else
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("sse4.2")) {
    napi_throw_error(env, "GZIP_ISAL_UNCHECKED_CPU", "this CPU has no SSE4.2, where ISA-L deflates into other bytes: zlib deflates here");
    return NULL;
  }
  /* Never unloaded (a worker thread's env can be the last to go): the per-thread level buffers stay valid. */
  Dl_info self;
  if (dladdr((void *)execute, &self) != 0 && self.dli_fname != NULL) dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  char file[256];
  if (library_file(file, sizeof file) == NULL) {
    napi_throw_error(env, "GZIP_ISAL_UNKNOWN_LIBRARY", "cannot tell which ISA-L library is loaded");
    return NULL;
  }
  napi_value fn, version;
  napi_create_function(env, "gzip", NAPI_AUTO_LENGTH, gzip, NULL, &fn);
  napi_set_named_property(env, exports, "gzip", fn);
  char text[384];
  snprintf(text, sizeof text, "isal-%d.%d.%d-%s-l1-%d-x86-sse4.2", ISAL_MAJOR_VERSION, ISAL_MINOR_VERSION, ISAL_PATCH_VERSION, file, (int)LEVEL_BUF_SIZE);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "version", version);
  return exports;
#endif
}
