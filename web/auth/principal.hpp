// Who is signed in, as a protected handler sees it.
#pragma once

#include <string>

#include "db/models.hpp"

namespace fabomatic::web {

struct Principal {
  db::Id user_id = 0;
  std::string email;
  std::string display_name;    // "name surname"
  std::string csrf_token;      // the session's token, echoed by the client in X-CSRF-Token
  std::string remote_address;  // of the current request (for the audit log)
};

}  // namespace fabomatic::web
