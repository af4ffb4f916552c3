#include "web/http/thread_priority.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace fabomatic::web {

void name_and_lower_this_thread(const char* name, int nice) {
  pthread_setname_np(pthread_self(), name);
  // Linux: PRIO_PROCESS with a thread id sets that thread's nice value only.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
}

}  // namespace fabomatic::web
