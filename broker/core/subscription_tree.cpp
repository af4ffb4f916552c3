// The subscription tree: a trie keyed by topic level. A node stands for a filter prefix; its
// exact-name children, its "+" child and the subscribers of the filters ending at it (or at a
// "#" right below it) are all the routing needs. match() follows only the branches a topic can
// take, so its cost grows with the topic's depth and the matching filters, not with the number
// of filters in the broker.
#include "broker/core/subscription_tree.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <string>
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

  bool contains(SubscriberId id) const {
    return std::any_of(begin(), end(), [id](const Subscriber& s) { return s.id == id; });
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
// (machine/<id> for thousands of boards) switches to an open-addressing hash index whose slots
// hold the child and its name's hash: a lookup is one probe sequence in one array, comparing
// names only on equal hashes, and allocates nothing.
class SubscriptionTree::ChildList {
 public:
  ChildList() = default;
  ChildList(const ChildList&) = delete;
  ChildList& operator=(const ChildList&) = delete;
  ~ChildList();

  bool empty() const { return small_.empty() && !wide_; }
  Node* find(std::string_view name) const;
  Node& insert(std::unique_ptr<Node> child);  // no child of that name exists yet
  void erase(const Node* child);              // `child` is one of ours; frees it
  void release_all(std::vector<std::unique_ptr<Node>>& out);

 private:
  struct Slot {
    std::size_t hash;
    Node* node;  // owned; nullptr marks a free slot
  };
  struct Wide {
    std::unique_ptr<Slot[]> slots;
    std::size_t mask = 0;  // capacity - 1; the capacity is a power of two
    std::size_t size = 0;
  };
  static constexpr std::size_t kMaxSmall = 16;
  static constexpr std::size_t kBackToSmall = 8;  // hysteresis against flapping at the limit
  static constexpr std::size_t kMinWideCapacity = 64;

  static std::size_t hash_of(std::string_view name) { return std::hash<std::string_view>{}(name); }
  void rehash(std::size_t capacity);
  static void place(Wide& wide, Slot slot);

  std::vector<std::unique_ptr<Node>> small_;  // used while wide_ is null
  std::unique_ptr<Wide> wide_;                // when set, holds every child and small_ is empty
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

SubscriptionTree::ChildList::~ChildList() {
  if (!wide_) return;
  for (std::size_t i = 0; i <= wide_->mask; ++i)
    delete wide_->slots[i].node;
}

SubscriptionTree::Node* SubscriptionTree::ChildList::find(std::string_view name) const {
  if (!wide_) {
    for (const auto& child : small_) {
      if (child->name == name) return child.get();
    }
    return nullptr;
  }
  const std::size_t hash = hash_of(name);
  for (std::size_t i = hash & wide_->mask;; i = (i + 1) & wide_->mask) {
    const Slot& slot = wide_->slots[i];
    if (slot.node == nullptr) return nullptr;
    if (slot.hash == hash && slot.node->name == name) return slot.node;
  }
}

void SubscriptionTree::ChildList::place(Wide& wide, Slot slot) {
  std::size_t i = slot.hash & wide.mask;
  while (wide.slots[i].node != nullptr)
    i = (i + 1) & wide.mask;
  wide.slots[i] = slot;
}

void SubscriptionTree::ChildList::rehash(std::size_t capacity) {
  auto fresh = std::make_unique<Wide>();
  fresh->slots = std::make_unique<Slot[]>(capacity);  // zeroed: every slot free
  fresh->mask = capacity - 1;
  if (wide_) {
    for (std::size_t i = 0; i <= wide_->mask; ++i) {
      if (wide_->slots[i].node != nullptr) place(*fresh, wide_->slots[i]);
    }
    fresh->size = wide_->size;
  }
  wide_ = std::move(fresh);
}

SubscriptionTree::Node& SubscriptionTree::ChildList::insert(std::unique_ptr<Node> child) {
  Node& inserted = *child;
  if (!wide_ && small_.size() < kMaxSmall) {
    small_.push_back(std::move(child));
    return inserted;
  }
  if (!wide_) {
    rehash(kMinWideCapacity);
    for (auto& c : small_) {
      place(*wide_, Slot{hash_of(c->name), c.release()});
      ++wide_->size;
    }
    std::vector<std::unique_ptr<Node>>().swap(small_);
  }
  const std::size_t capacity = wide_->mask + 1;
  if ((wide_->size + 1) * 4 > capacity * 3) rehash(capacity * 2);  // load factor <= 3/4
  place(*wide_, Slot{hash_of(inserted.name), child.release()});
  ++wide_->size;
  return inserted;
}

void SubscriptionTree::ChildList::erase(const Node* child) {
  if (!wide_) {
    const auto it = std::find_if(small_.begin(), small_.end(),
                                 [child](const auto& c) { return c.get() == child; });
    if (it != small_.end() - 1) std::swap(*it, small_.back());
    small_.pop_back();  // frees `child`
    if (small_.empty()) std::vector<std::unique_ptr<Node>>().swap(small_);
    return;
  }
  Slot* slots = wide_->slots.get();
  const std::size_t mask = wide_->mask;
  std::size_t hole = hash_of(child->name) & mask;
  while (slots[hole].node != child)
    hole = (hole + 1) & mask;
  delete slots[hole].node;
  slots[hole] = Slot{};
  --wide_->size;
  // Backward-shift deletion: move up every later entry of the probe run whose home slot is not
  // cyclically within (hole, j], so that lookups never stop early at the new hole.
  for (std::size_t j = (hole + 1) & mask; slots[j].node != nullptr; j = (j + 1) & mask) {
    const std::size_t home = slots[j].hash & mask;
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    slots[hole] = slots[j];
    slots[j] = Slot{};
    hole = j;
  }

  if (wide_->size <= kBackToSmall) {
    small_.reserve(wide_->size);
    for (std::size_t i = 0; i <= mask; ++i) {
      if (slots[i].node != nullptr) small_.emplace_back(std::exchange(slots[i].node, nullptr));
    }
    wide_.reset();
  } else if (mask + 1 > kMinWideCapacity && wide_->size * 8 <= mask + 1) {
    rehash((mask + 1) / 2);  // give memory back as a level empties
  }
}

void SubscriptionTree::ChildList::release_all(std::vector<std::unique_ptr<Node>>& out) {
  for (auto& c : small_)
    out.push_back(std::move(c));
  std::vector<std::unique_ptr<Node>>().swap(small_);
  if (wide_) {
    for (std::size_t i = 0; i <= wide_->mask; ++i) {
      if (wide_->slots[i].node != nullptr) {
        out.emplace_back(std::exchange(wide_->slots[i].node, nullptr));
      }
    }
    wide_.reset();
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

bool SubscriptionTree::contains(std::string_view filter, SubscriberId id) const {
  const Node* node = root_.get();
  for (Levels levels(filter); !levels.done();) {
    const std::string_view level = levels.next();
    if (level == kMultiLevel) return node->hash_subscribers.contains(id);
    node = level == kSingleLevel ? node->plus.get() : node->children.find(level);
    if (node == nullptr) return false;
  }
  return node->subscribers.contains(id);
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
