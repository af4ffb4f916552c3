#include "web/auth/json_shape.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace fabomatic::web {

namespace {

// No entity has more than a few dozen fields, and no request nests deeply.
constexpr std::size_t kMaxKeysPerObject = 256;
constexpr std::size_t kMaxDepth = 32;

// A first, cheap pass over a body before it is built into an ordered_json: that object type
// finds keys by linear search, so one object with tens of thousands of keys would take seconds
// to build — seconds of the one reactor thread that also answers the boards. The pass stops at
// the first object over the key limit or nesting over the depth limit. It also refuses a key
// given twice in one object: the parser would keep one of the two silently, and which value the
// sender meant is anybody's guess.
class BodyShapeCheck final : public nlohmann::json_sax<nlohmann::json> {
 public:
  enum class Verdict { ok, too_many_keys, too_deep, duplicate_key, malformed };
  Verdict verdict = Verdict::ok;
  std::string duplicate;  // the key given twice, with Verdict::duplicate_key

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return enter(true); }
  bool key(string_t& name) override {
    auto& seen = keys_.back();
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      verdict = Verdict::duplicate_key;
      duplicate = name.substr(0, 100);
      return false;
    }
    if (seen.size() >= kMaxKeysPerObject) {
      verdict = Verdict::too_many_keys;
      return false;
    }
    seen.push_back(name);
    return true;
  }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(false); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    verdict = Verdict::malformed;
    return false;
  }

 private:
  bool enter(bool) {
    if (keys_.size() >= kMaxDepth) {
      verdict = Verdict::too_deep;
      return false;
    }
    keys_.emplace_back();
    return true;
  }
  bool leave() {
    keys_.pop_back();
    return true;
  }
  // The keys seen in each open object (none for arrays); at most kMaxKeysPerObject each, so a
  // linear search stays cheap.
  std::vector<std::vector<std::string>> keys_;
};

}  // namespace

std::optional<std::string> json_body_problem(std::string_view body) {
  if (body.find('\0') != std::string_view::npos) return "the body contains a NUL byte";
  BodyShapeCheck check;
  nlohmann::json::sax_parse(body, &check, nlohmann::json::input_format_t::json,
                            /*strict=*/true, /*ignore_comments=*/false);
  switch (check.verdict) {
    case BodyShapeCheck::Verdict::too_many_keys:
      return "an object in the body has more than " + std::to_string(kMaxKeysPerObject) + " fields";
    case BodyShapeCheck::Verdict::too_deep:
      return "the body nests deeper than " + std::to_string(kMaxDepth) + " levels";
    case BodyShapeCheck::Verdict::duplicate_key:
      return "the field \"" + check.duplicate + "\" is given twice in one object";
    case BodyShapeCheck::Verdict::ok:
    case BodyShapeCheck::Verdict::malformed:
      break;
  }
  return std::nullopt;
}

}  // namespace fabomatic::web
