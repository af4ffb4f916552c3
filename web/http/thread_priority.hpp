// Names the calling thread (as `top -H` and `ps -L` show it) and lowers its scheduling
// priority: the portal's helper threads yield the CPU to the reactor, which answers the boards.
#pragma once

namespace fabomatic::web {

/// `name`: at most 15 characters. `nice`: added to the thread's nice value (0..19).
void name_and_lower_this_thread(const char* name, int nice);

}  // namespace fabomatic::web
