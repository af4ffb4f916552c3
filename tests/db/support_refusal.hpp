// Opening a file the appliance must refuse: the refusal's message, and the file left as it was.
#pragma once

#include <string>

namespace fabomatic::db::test {

// Opens `path` expecting IncompatibleDatabase and returns its message (a test failure and "" when
// the file opened); checks that the file is byte for byte what it was before.
std::string refusal_leaving_file_alone(const std::string& path);

}  // namespace fabomatic::db::test
