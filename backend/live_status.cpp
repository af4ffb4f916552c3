#include "backend/live_status.hpp"

#include <algorithm>
#include <tuple>

namespace fabomatic::backend {

bool operator==(const MachineStatus& a, const MachineStatus& b) {
  const auto fields = [](const MachineStatus& s) {
    return std::tie(s.machine_id, s.name, s.blocked, s.maintenance_due, s.online, s.user_id,
                    s.user_name, s.in_use_since, s.board_ip, s.board_version, s.board_serial,
                    s.board_heap);
  };
  // last_heard is left out: it moves with every message and is no change worth announcing.
  return fields(a) == fields(b);
}

int LiveStatus::add_listener(Listener listener) {
  const int id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void LiveStatus::remove_listener(int id) {
  listeners_.erase(id);
}

void LiveStatus::notify(const LiveEvent& event) {
  // Copy: a listener may add or remove listeners while being called.
  const auto listeners = listeners_;
  for (const auto& [id, listener] : listeners)
    listener(event);
}

void LiveStatus::reset(std::vector<MachineStatus> machines) {
  std::map<db::Id, MachineStatus> next;
  for (auto& m : machines) {
    if (const auto it = machines_.find(m.machine_id); it != machines_.end()) {
      // What only the live model knows survives a reload from the database.
      m.online = it->second.online;
      m.last_heard = std::max(m.last_heard, it->second.last_heard);
    }
    next.emplace(m.machine_id, std::move(m));
  }
  for (const auto& [id, old] : machines_) {
    if (!next.contains(id)) notify({LiveEventKind::machine_removed, old, {}, id, 0});
  }
  for (const auto& [id, status] : next) {
    const auto it = machines_.find(id);
    if (it == machines_.end() || !(it->second == status)) {
      notify({LiveEventKind::machine_changed, status, {}, id, 0});
    }
  }
  machines_ = std::move(next);
}

void LiveStatus::update(db::Id machine_id, const std::function<void(MachineStatus&)>& change) {
  const auto it = machines_.find(machine_id);
  if (it == machines_.end()) return;
  MachineStatus before = it->second;
  change(it->second);
  if (!(before == it->second)) {
    notify({LiveEventKind::machine_changed, it->second, {}, machine_id, it->second.last_heard});
  }
}

void LiveStatus::heard(db::Id machine_id, double now) {
  update(machine_id, [now](MachineStatus& s) {
    s.last_heard = now;
    s.online = true;
  });
}

void LiveStatus::heard_at(db::Id machine_id, double when, double now) {
  update(machine_id, [&](MachineStatus& s) {
    s.last_heard = std::max(s.last_heard, when);
    if (now - when <= online_window_s_) s.online = true;
  });
}

void LiveStatus::remove(db::Id machine_id) {
  const auto it = machines_.find(machine_id);
  if (it == machines_.end()) return;
  const MachineStatus old = it->second;
  machines_.erase(it);
  notify({LiveEventKind::machine_removed, old, {}, machine_id, 0});
}

void LiveStatus::unknown_card(db::Id machine_id, const std::string& card, double now) {
  notify({LiveEventKind::unknown_card, {}, card, machine_id, now});
}

void LiveStatus::board_discovered(db::Id machine_id, double now) {
  notify({LiveEventKind::board_discovered, {}, {}, machine_id, now});
}

void LiveStatus::expire(double now) {
  for (auto& [id, status] : machines_) {
    if (status.online && now - status.last_heard > online_window_s_) {
      update(id, [](MachineStatus& s) { s.online = false; });
    }
  }
}

std::vector<MachineStatus> LiveStatus::snapshot() const {
  std::vector<MachineStatus> out;
  out.reserve(machines_.size());
  for (const auto& [id, status] : machines_)
    out.push_back(status);
  return out;
}

std::optional<MachineStatus> LiveStatus::machine(db::Id machine_id) const {
  const auto it = machines_.find(machine_id);
  if (it == machines_.end()) return std::nullopt;
  return it->second;
}

bool LiveStatus::is_online(db::Id machine_id, double now) const {
  const auto it = machines_.find(machine_id);
  return it != machines_.end() && it->second.online &&
         now - it->second.last_heard <= online_window_s_;
}

}  // namespace fabomatic::backend
