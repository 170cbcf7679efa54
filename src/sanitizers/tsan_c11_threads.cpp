// ThreadSanitizer builds only (linked into every executable that links throome_core).
//
// librdkafka 2.0 (Debian 12) makes its threads, mutexes and condition variables with the C11
// API: thrd_create, mtx_lock, cnd_wait, ... glibc implements those by calling its internal
// pthread functions directly, past TSan's interceptors, so TSan never learns of librdkafka's
// threads: our code running on one (log and delivery callbacks) crashes the process, and
// the locks that order librdkafka's threads against ours are invisible to it.
//
// These definitions, in the executable, take precedence over glibc's for librdkafka's calls
// (the dynamic linker looks in the executable first) and route each call to the public
// pthread function TSan intercepts. Semantics follow glibc's own C11 implementation.
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

namespace {

int to_c11(int pthread_result) {
  switch (pthread_result) {
    case 0:
      return thrd_success;
    case ETIMEDOUT:
      return thrd_timedout;
    case EBUSY:
      return thrd_busy;
    case ENOMEM:
      return thrd_nomem;
    default:
      return thrd_error;
  }
}

struct Start {
  thrd_start_t func;
  void* arg;
};

void* trampoline(void* raw) {
  const Start start = *static_cast<Start*>(raw);
  free(raw);
  return reinterpret_cast<void*>(static_cast<intptr_t>(start.func(start.arg)));
}

pthread_mutex_t* as_pthread(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* as_pthread(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t));
static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t));
static_assert(sizeof(thrd_t) == sizeof(pthread_t));
static_assert(sizeof(once_flag) == sizeof(pthread_once_t));

}  // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* start = static_cast<Start*>(malloc(sizeof(Start)));
  if (start == nullptr) return thrd_nomem;
  *start = Start{func, arg};
  const int rc = pthread_create(thr, nullptr, trampoline, start);
  if (rc != 0) free(start);
  return to_c11(rc);
}

int thrd_join(thrd_t thr, int* res) {
  void* out = nullptr;
  const int rc = pthread_join(thr, &out);
  if (rc == 0 && res != nullptr) *res = static_cast<int>(reinterpret_cast<intptr_t>(out));
  return to_c11(rc);
}

int thrd_detach(thrd_t thr) { return to_c11(pthread_detach(thr)); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(
      &attr, (type & mtx_recursive) != 0 ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_NORMAL);
  const int rc = pthread_mutex_init(as_pthread(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return to_c11(rc);
}
int mtx_lock(mtx_t* m) { return to_c11(pthread_mutex_lock(as_pthread(m))); }
int mtx_trylock(mtx_t* m) { return to_c11(pthread_mutex_trylock(as_pthread(m))); }
int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict deadline) {
  return to_c11(pthread_mutex_timedlock(as_pthread(m), deadline));
}
int mtx_unlock(mtx_t* m) { return to_c11(pthread_mutex_unlock(as_pthread(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(as_pthread(m)); }

int cnd_init(cnd_t* c) { return to_c11(pthread_cond_init(as_pthread(c), nullptr)); }
int cnd_signal(cnd_t* c) { return to_c11(pthread_cond_signal(as_pthread(c))); }
int cnd_broadcast(cnd_t* c) { return to_c11(pthread_cond_broadcast(as_pthread(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) { return to_c11(pthread_cond_wait(as_pthread(c), as_pthread(m))); }
int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m,
                  const struct timespec* __restrict deadline) {
  return to_c11(pthread_cond_timedwait(as_pthread(c), as_pthread(m), deadline));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(as_pthread(c)); }

void call_once(once_flag* flag, void (*func)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), func);
}

}  // extern "C"
