// /api/v1/unknown-cards: the latest taps of cards nobody owns (machine, card, when), each of
// which can be deleted or converted into a new member (the taps of that card then go).
#pragma once

#include "db/models.hpp"
#include "web/api/json.hpp"
#include "web/api/names.hpp"

namespace fabomatic::web::api {

Json unknown_card_json(const db::UnknownCard& tap, Names& names);

}  // namespace fabomatic::web::api
