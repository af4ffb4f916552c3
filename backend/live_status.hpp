// The live status of the lab, as the dashboard shows it: per machine online/offline, free or
// in use by whom since when, blocked, maintenance due, and its board. The board service and
// housekeeping update it; listeners (the web layer's WebSocket hub) hear every change.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/models.hpp"

namespace fabomatic::backend {

struct MachineStatus {
  db::Id machine_id = 0;
  std::string name;
  bool blocked = false;
  bool maintenance_due = false;
  bool online = false;
  double last_heard = 0;          // unix seconds of the last message from its board, 0 = never
                                  // (also one heard before this process started: online false)
  std::optional<db::Id> user_id;  // set while in use
  std::string user_name;          // "Name Surname"
  double in_use_since = 0;
  std::string board_ip;
  std::string board_version;
  std::string board_serial;
  std::int64_t board_heap = 0;
};

enum class LiveEventKind {
  machine_changed,  // any field of the machine's status changed (the status is attached)
  machine_removed,
  unknown_card,     // a card nobody owns was tapped
  board_discovered  // alive from a machine id the database does not know
};

struct LiveEvent {
  LiveEventKind kind = LiveEventKind::machine_changed;
  MachineStatus machine;  // machine_changed / machine_removed: the machine
  std::string card;       // unknown_card
  db::Id machine_id = 0;  // unknown_card / board_discovered
  double time = 0;
};

class LiveStatus {
 public:
  using Listener = std::function<void(const LiveEvent&)>;

  explicit LiveStatus(double online_window_s = 90) : online_window_s_(online_window_s) {}

  /// Adds a listener; returns its id for remove_listener.
  int add_listener(Listener listener);
  void remove_listener(int id);

  /// Replaces the whole model (at start, and after the admin changed machines).
  void reset(std::vector<MachineStatus> machines);

  /// Applies `change` to a machine's status and notifies listeners when something changed.
  void update(db::Id machine_id, const std::function<void(MachineStatus&)>& change);

  /// A message from the machine's board arrived at `now`.
  void heard(db::Id machine_id, double now);
  /// Its board was heard at `when`, before its machine existed (a discovered board the admin
  /// just made a machine of): online if that is within the window of `now`.
  void heard_at(db::Id machine_id, double when, double now);

  void remove(db::Id machine_id);
  void unknown_card(db::Id machine_id, const std::string& card, double now);
  void board_discovered(db::Id machine_id, double now);

  /// Marks machines offline whose board was silent longer than the online window.
  void expire(double now);

  std::vector<MachineStatus> snapshot() const;
  std::optional<MachineStatus> machine(db::Id machine_id) const;
  bool is_online(db::Id machine_id, double now) const;

 private:
  void notify(const LiveEvent& event);

  double online_window_s_;
  std::map<db::Id, MachineStatus> machines_;
  std::map<int, Listener> listeners_;
  int next_listener_ = 1;
};

bool operator==(const MachineStatus& a, const MachineStatus& b);

}  // namespace fabomatic::backend
