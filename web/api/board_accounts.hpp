// The board accounts' routes (board_accounts.cpp) and their OpenAPI schemas.
#pragma once

#include "web/api/json.hpp"

namespace fabomatic::web::api {

/// Adds BoardAccount, BoardAccountList, BoardAccountCreate, BoardAccountSecret,
/// MqttAccessStatus, SharedClientId and SharedClientIdList to components/schemas.
void add_board_account_schemas(Json& schemas);

}  // namespace fabomatic::web::api
