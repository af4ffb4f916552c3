// Retained messages held in memory, in a tree by topic level: a subscription visits only the
// branches its filter can match, and each retained message at most once (a topic has a single
// path in the tree, and a filter follows each path at most once).
#include "broker/core/retained_store.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fabomatic::broker {
namespace {

// Splits a topic or filter at '/' without copying. Empty levels are real levels.
class Levels {
 public:
  explicit Levels(std::string_view s) : s_(s) {}
  bool done() const { return pos_ > s_.size(); }
  std::string_view next() {
    const std::size_t slash = s_.find('/', pos_);
    const std::size_t end = slash == std::string_view::npos ? s_.size() : slash;
    const std::string_view level = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return level;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

class MemoryRetainedStore final : public RetainedStore {
 public:
  explicit MemoryRetainedStore(RetainedLimits limits) : limits_(limits) {}
  MemoryRetainedStore(const MemoryRetainedStore&) = delete;
  MemoryRetainedStore& operator=(const MemoryRetainedStore&) = delete;
  ~MemoryRetainedStore() override;

  bool store(const MessagePtr& message) override;
  void match(std::string_view filter,
             const std::function<void(const MessagePtr&)>& visit) const override;
  std::size_t size() const override { return size_; }
  std::size_t bytes() const override { return bytes_; }

 private:
  struct Node {
    // Ordered map: heterogeneous lookup by string_view (no allocation per level), and few
    // retained topics compared to subscriptions, so memory per entry matters less here.
    std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
    MessagePtr message;  // the retained message of the topic ending here, if any
  };
  using Children = decltype(Node::children);

  bool insert(const MessagePtr& message);
  void erase(std::string_view topic);
  void collect(std::string_view filter, std::vector<MessagePtr>& found) const;

  static std::size_t cost(const Message& m) { return m.topic.size() + m.payload.size(); }

  RetainedLimits limits_;
  Node root_;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
};

MemoryRetainedStore::~MemoryRetainedStore() {
  // Freed iteratively: nested destructors would recurse once per level, and a topic may legally
  // be 65535 levels deep.
  std::vector<std::unique_ptr<Node>> pending;
  for (auto& entry : root_.children)
    pending.push_back(std::move(entry.second));
  while (!pending.empty()) {
    std::unique_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    for (auto& entry : node->children)
      pending.push_back(std::move(entry.second));
  }
}

bool MemoryRetainedStore::store(const MessagePtr& message) {
  if (!message || message->topic.empty()) return false;
  // A retained message with an empty payload clears the topic and is not stored itself
  // (MQTT-3.3.1-10, MQTT-3.3.1-11).
  if (message->payload.empty()) {
    erase(message->topic);
    return true;
  }
  return insert(message);
}

bool MemoryRetainedStore::insert(const MessagePtr& message) {
  // The limits first, without creating nodes: a refused message leaves the tree as it was. The
  // message it would replace, if any, is found by a lookup that allocates nothing.
  const Node* existing = &root_;
  for (Levels levels(message->topic); existing && !levels.done();) {
    const auto it = existing->children.find(levels.next());
    existing = it == existing->children.end() ? nullptr : it->second.get();
  }
  const MessagePtr* previous = existing && existing->message ? &existing->message : nullptr;
  const std::size_t freed = previous ? cost(**previous) : 0;
  if ((!previous && size_ >= limits_.max_messages) ||
      bytes_ - freed + cost(*message) > limits_.max_bytes) {
    return false;
  }
  Node* node = &root_;
  for (Levels levels(message->topic); !levels.done();) {
    const std::string_view level = levels.next();
    auto it = node->children.find(level);
    if (it == node->children.end()) {
      it = node->children.emplace(std::string(level), std::make_unique<Node>()).first;
    }
    node = it->second.get();
  }
  if (!node->message) ++size_;
  bytes_ = bytes_ - freed + cost(*message);
  node->message = message;  // replaces the previous one (MQTT-3.3.1-5)
  return true;
}

void MemoryRetainedStore::erase(std::string_view topic) {
  // Each step down: the map holding the child and the child's position in it, so that the
  // nodes left empty can be freed deepest first.
  std::vector<std::pair<Children*, Children::iterator>> path;
  Node* node = &root_;
  for (Levels levels(topic); !levels.done();) {
    const auto it = node->children.find(levels.next());
    if (it == node->children.end()) return;
    path.emplace_back(&node->children, it);
    node = it->second.get();
  }
  if (!node->message) return;
  bytes_ -= cost(*node->message);
  node->message.reset();
  --size_;
  while (!path.empty()) {
    const auto [siblings, it] = path.back();
    const Node& child = *it->second;
    if (child.message || !child.children.empty()) break;
    siblings->erase(it);
    path.pop_back();
  }
}

void MemoryRetainedStore::match(std::string_view filter,
                                const std::function<void(const MessagePtr&)>& visit) const {
  // Collected first and visited after, so that `visit` may store or clear retained messages
  // (the broker publishing from a callback) without invalidating the walk.
  std::vector<MessagePtr> found;
  collect(filter, found);
  for (const MessagePtr& message : found)
    visit(message);
}

void MemoryRetainedStore::collect(std::string_view filter, std::vector<MessagePtr>& found) const {
  if (filter.empty()) return;  // not a valid filter (MQTT-4.7.3-1)
  constexpr std::size_t kWholeSubtree = std::string_view::npos;
  const std::size_t done = filter.size() + 1;
  struct Frame {
    const Node* node;
    std::size_t pos;  // start of the next filter level, `done`, or kWholeSubtree below a "#"
  };
  // MQTT-4.7.2-1: "+" and "#" as the first filter level skip the topics starting with '$'.
  const auto hidden = [this](const Node& parent, const std::string& name) {
    return &parent == &root_ && !name.empty() && name.front() == '$';
  };

  // Depth-first with an explicit stack: topics may legally be 65535 levels deep.
  std::vector<Frame> stack{{&root_, 0}};
  while (!stack.empty()) {
    const Frame frame = stack.back();
    stack.pop_back();
    const Node& node = *frame.node;
    if (frame.pos == kWholeSubtree || frame.pos == done) {
      if (node.message) found.push_back(node.message);
      if (frame.pos == kWholeSubtree) {
        for (const auto& [name, child] : node.children)
          stack.push_back({child.get(), kWholeSubtree});
      }
      continue;
    }
    const std::size_t slash = filter.find('/', frame.pos);
    const std::size_t level_end = slash == std::string_view::npos ? filter.size() : slash;
    const std::size_t next = slash == std::string_view::npos ? done : slash + 1;
    const std::string_view level = filter.substr(frame.pos, level_end - frame.pos);
    if (level == "#") {
      // The parent level itself ("sport/#" matches "sport"; the root holds no message), then
      // everything below it.
      if (node.message) found.push_back(node.message);
      for (const auto& [name, child] : node.children) {
        if (!hidden(node, name)) stack.push_back({child.get(), kWholeSubtree});
      }
    } else if (level == "+") {
      for (const auto& [name, child] : node.children) {
        if (!hidden(node, name)) stack.push_back({child.get(), next});
      }
    } else if (const auto it = node.children.find(level); it != node.children.end()) {
      stack.push_back({it->second.get(), next});
    }
  }
}

}  // namespace

std::unique_ptr<RetainedStore> make_memory_retained_store(RetainedLimits limits) {
  return std::make_unique<MemoryRetainedStore>(limits);
}

}  // namespace fabomatic::broker
