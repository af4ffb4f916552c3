// The subscription tree: a trie keyed by topic level. A node stands for a filter prefix; its
// exact-name children, its "+" child and the subscribers of the filters ending at it (or at a
// "#" right below it) are all the routing needs. match() follows only the branches a topic can
// take, so its cost grows with the topic's depth and the matching filters, not with the number
// of filters in the broker.
#include "broker/subscription_tree.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <utility>

namespace fabomatic::broker {
namespace {

constexpr std::string_view kSingleLevel = "+";
constexpr std::string_view kMultiLevel = "#";

// Splits a topic or filter at '/' without copying. Empty levels are real levels: "a/" is "a"
// then "", "/" is "" then "".
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

// The depth-first stack of match(). A filter may legally be 65535 levels deep, too deep for
// recursion; an explicit stack held in the caller's frame keeps ordinary topics free of heap
// allocation, and only a topic both deep and branching spills to the heap.
template <class NodePtr>
class DfsStack {
 public:
  struct Frame {
    NodePtr node;
    std::size_t pos;  // start of the next topic level, or topic.size() + 1 when none is left
  };
  void push(Frame f) {
    if (count_ < inline_.size()) {
      inline_[count_++] = f;
    } else {
      overflow_.push_back(f);
    }
  }
  bool pop(Frame& f) {
    if (!overflow_.empty()) {
      f = overflow_.back();
      overflow_.pop_back();
      return true;
    }
    if (count_ == 0) return false;
    f = inline_[--count_];
    return true;
  }

 private:
  std::array<Frame, 32> inline_;
  std::size_t count_ = 0;
  std::vector<Frame> overflow_;
};

}  // namespace

// The subscribers of one filter. Most filters have exactly one (a board's own reply topic), so
// one entry is kept inline and only longer lists take a heap block.
class SubscriptionTree::SubscriberList {
 public:
  SubscriberList() = default;
  SubscriberList(const SubscriberList&) = delete;
  SubscriberList& operator=(const SubscriberList&) = delete;
  ~SubscriberList() {
    if (on_heap()) delete[] heap_;
  }

  bool empty() const { return size_ == 0; }
  const Subscriber* begin() const { return on_heap() ? heap_ : &inline_; }
  const Subscriber* end() const { return begin() + size_; }
  void append_to(std::vector<Subscriber>& out) const {
    if (size_ != 0) out.insert(out.end(), begin(), end());
  }

  // Adds `id`, or replaces its QoS when it is already there (MQTT-3.8.4-3). True when new.
  bool upsert(SubscriberId id, std::uint8_t qos) {
    Subscriber* data = data_begin();
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (data[i].id == id) {
        data[i].qos = qos;
        return false;
      }
    }
    if (size_ == capacity_) reallocate(capacity_ < 4 ? 4 : capacity_ * 2);
    data_begin()[size_++] = Subscriber{id, qos};
    return true;
  }

  // Removes `id`; false when it was not there. Shrinks so that unsubscribing returns memory.
  bool erase(SubscriberId id) {
    Subscriber* data = data_begin();
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (data[i].id != id) continue;
      data[i] = data[size_ - 1];
      --size_;
      if (on_heap() && size_ <= 1) {
        reallocate(1);
      } else if (capacity_ > 4 && size_ <= capacity_ / 4) {
        reallocate(capacity_ / 2);
      }
      return true;
    }
    return false;
  }

 private:
  bool on_heap() const { return capacity_ > 1; }
  Subscriber* data_begin() { return on_heap() ? heap_ : &inline_; }

  // Moves the entries to storage of `capacity` (1 means the inline slot).
  void reallocate(std::uint32_t capacity) {
    Subscriber* old_heap = on_heap() ? heap_ : nullptr;
    if (capacity == 1) {
      const Subscriber kept = size_ != 0 ? heap_[0] : Subscriber{};
      inline_ = kept;
    } else {
      auto* fresh = new Subscriber[capacity];
      std::copy(begin(), end(), fresh);
      heap_ = fresh;
    }
    capacity_ = capacity;
    delete[] old_heap;
  }

  union {
    Subscriber inline_{};  // when capacity_ == 1
    Subscriber* heap_;     // when capacity_ > 1
  };
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 1;
};

// The exact-name children of a node. Most nodes have a handful ("reply", "request"): a vector
// scanned linearly is then smaller and faster than a hash table. A level with many names
// (machine/<id> for hundreds of boards) switches to a hash table keyed by views of the
// children's own names, so that a lookup neither scans nor allocates.
class SubscriptionTree::ChildList {
 public:
  ChildList() = default;
  ChildList(const ChildList&) = delete;
  ChildList& operator=(const ChildList&) = delete;
  ~ChildList();

  bool empty() const { return small_.empty() && !big_; }
  Node* find(std::string_view name) const;
  Node& insert(std::unique_ptr<Node> child);  // no child of that name exists yet
  void erase(const Node* child);              // `child` is one of ours
  void release_all(std::vector<std::unique_ptr<Node>>& out);

 private:
  using Index = std::unordered_map<std::string_view, std::unique_ptr<Node>>;
  static constexpr std::size_t kMaxSmall = 16;
  static constexpr std::size_t kBackToSmall = 8;  // hysteresis against flapping at the limit

  std::vector<std::unique_ptr<Node>> small_;  // used while big_ is null
  std::unique_ptr<Index> big_;                // when set, holds every child and small_ is empty
};

struct SubscriptionTree::Node {
  explicit Node(std::string_view level) : name(level) {}

  bool unused() const {
    return !plus && children.empty() && subscribers.empty() && hash_subscribers.empty();
  }

  std::string name;                 // this level ("+" for a parent's single-level child)
  std::unique_ptr<Node> plus;       // the "+" level below this one
  ChildList children;               // exact levels below this one
  SubscriberList subscribers;       // filters ending at this node
  SubscriberList hash_subscribers;  // filters ending with "#" right below this node
};

SubscriptionTree::ChildList::~ChildList() = default;

SubscriptionTree::Node* SubscriptionTree::ChildList::find(std::string_view name) const {
  if (big_) {
    const auto it = big_->find(name);
    return it == big_->end() ? nullptr : it->second.get();
  }
  for (const auto& child : small_) {
    if (child->name == name) return child.get();
  }
  return nullptr;
}

SubscriptionTree::Node& SubscriptionTree::ChildList::insert(std::unique_ptr<Node> child) {
  Node& inserted = *child;
  if (!big_ && small_.size() < kMaxSmall) {
    small_.push_back(std::move(child));
    return inserted;
  }
  if (!big_) {
    big_ = std::make_unique<Index>();
    big_->reserve(kMaxSmall * 2);
    for (auto& c : small_) {
      const std::string_view key = c->name;  // the node's own string: stable while it lives
      big_->emplace(key, std::move(c));
    }
    std::vector<std::unique_ptr<Node>>().swap(small_);
  }
  const std::string_view key = inserted.name;
  big_->emplace(key, std::move(child));
  return inserted;
}

void SubscriptionTree::ChildList::erase(const Node* child) {
  if (big_) {
    big_->erase(big_->find(child->name));
    if (big_->size() <= kBackToSmall) {
      small_.reserve(big_->size());
      for (auto& entry : *big_)
        small_.push_back(std::move(entry.second));
      big_.reset();
    }
    return;
  }
  const auto it =
      std::find_if(small_.begin(), small_.end(),
                   [child](const std::unique_ptr<Node>& c) { return c.get() == child; });
  if (it != small_.end() - 1) std::swap(*it, small_.back());
  small_.pop_back();  // frees `child`
  if (small_.empty()) std::vector<std::unique_ptr<Node>>().swap(small_);
}

void SubscriptionTree::ChildList::release_all(std::vector<std::unique_ptr<Node>>& out) {
  for (auto& c : small_)
    out.push_back(std::move(c));
  std::vector<std::unique_ptr<Node>>().swap(small_);
  if (big_) {
    for (auto& entry : *big_)
      out.push_back(std::move(entry.second));
    big_.reset();
  }
}

SubscriptionTree::SubscriptionTree() : root_(std::make_unique<Node>(std::string_view{})) {}

SubscriptionTree::~SubscriptionTree() {
  // Freed iteratively: nested unique_ptr destructors would recurse once per level, and a filter
  // may legally be 65535 levels deep.
  std::vector<std::unique_ptr<Node>> pending;
  pending.push_back(std::move(root_));
  while (!pending.empty()) {
    std::unique_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node->plus) pending.push_back(std::move(node->plus));
    node->children.release_all(pending);
  }
}

bool SubscriptionTree::add(std::string_view filter, SubscriberId id, std::uint8_t qos) {
  Node* node = root_.get();
  for (Levels levels(filter); !levels.done();) {
    const std::string_view level = levels.next();
    if (level == kMultiLevel) {  // always the last level of a valid filter
      const bool added = node->hash_subscribers.upsert(id, qos);
      if (added) ++size_;
      return added;
    }
    Node* child = level == kSingleLevel ? node->plus.get() : node->children.find(level);
    if (child == nullptr) {
      auto fresh = std::make_unique<Node>(level);
      if (level == kSingleLevel) {
        child = fresh.get();
        node->plus = std::move(fresh);
      } else {
        child = &node->children.insert(std::move(fresh));
      }
      ++node_count_;
    }
    node = child;
  }
  const bool added = node->subscribers.upsert(id, qos);
  if (added) ++size_;
  return added;
}

bool SubscriptionTree::remove(std::string_view filter, SubscriberId id) {
  // The nodes below the root along the filter, to free the ones left unused, deepest first.
  std::vector<Node*> path;
  Node* node = root_.get();
  bool multi_level = false;
  for (Levels levels(filter); !levels.done();) {
    const std::string_view level = levels.next();
    if (level == kMultiLevel) {
      multi_level = true;
      break;
    }
    Node* child = level == kSingleLevel ? node->plus.get() : node->children.find(level);
    if (child == nullptr) return false;
    path.push_back(child);
    node = child;
  }
  SubscriberList& list = multi_level ? node->hash_subscribers : node->subscribers;
  if (!list.erase(id)) return false;
  --size_;

  while (!path.empty() && path.back()->unused()) {
    const Node* unused = path.back();
    path.pop_back();
    Node& parent = path.empty() ? *root_ : *path.back();
    if (parent.plus.get() == unused) {
      parent.plus.reset();
    } else {
      parent.children.erase(unused);
    }
    --node_count_;
  }
  return true;
}

void SubscriptionTree::match(std::string_view topic, std::vector<Subscriber>& out) const {
  if (topic.empty()) return;  // not a valid topic name (MQTT-4.7.3-1)
  const std::size_t done = topic.size() + 1;
  // MQTT-4.7.2-1: a filter starting with a wildcard does not match a topic starting with '$',
  // so the root's "#" and "+" are skipped for those; "$SYS/#" still matches below "$SYS".
  const bool dollar = topic.front() == '$';

  DfsStack<const Node*> stack;
  stack.push({root_.get(), 0});
  for (DfsStack<const Node*>::Frame frame{}; stack.pop(frame);) {
    const Node& node = *frame.node;
    if (frame.pos == done) {
      node.subscribers.append_to(out);
      node.hash_subscribers.append_to(out);  // "sport/#" matches "sport" too
      continue;
    }
    const bool wildcards = !dollar || &node != root_.get();
    if (wildcards) node.hash_subscribers.append_to(out);

    const std::size_t slash = topic.find('/', frame.pos);
    const std::size_t level_end = slash == std::string_view::npos ? topic.size() : slash;
    const std::size_t next = slash == std::string_view::npos ? done : slash + 1;
    if (wildcards && node.plus) stack.push({node.plus.get(), next});
    if (const Node* child = node.children.find(topic.substr(frame.pos, level_end - frame.pos))) {
      stack.push({child, next});
    }
  }
}

}  // namespace fabomatic::broker
