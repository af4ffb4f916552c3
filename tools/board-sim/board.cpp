#include "tools/board-sim/board.hpp"

#include <algorithm>

namespace fabomatic::board_sim {

namespace {

std::size_t index(Action action) {
  return static_cast<std::size_t>(action);
}

}  // namespace

Board::Board(BoardConfig config, BoardOutput& output, FleetCounters& counters)
    : config_(std::move(config)), output_(output), counters_(counters) {
  query_topic_ = board_sim::query_topic(config_.topic_prefix, config_.machine_id);
  reply_topic_ = query_topic_ + "/reply";
  request_topic_ = query_topic_ + "/request";
}

Clock::duration Board::scaled(std::chrono::seconds period) const {
  const double scale = config_.time_scale > 0 ? config_.time_scale : 1.0;
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(period) / scale);
}

void Board::on_connected(TimePoint now) {
  connected_ = true;
  ++counters_.connects;
  // The firmware announces itself right after subscribing, without waiting for anything.
  const auto alive = alive_payload(config_.identity);
  if (output_.publish(query_topic_, alive))
    ++counters_.sent[index(Action::alive)];
  else
    ++counters_.publish_failures;
  next_alive_ = now + scaled(kAlivePeriod);
  next_refresh_ = now + (ever_connected_ ? scaled(kRefreshPeriod) : config_.refresh_phase);
  ever_connected_ = true;
  enqueue(Action::checkmachine, {}, 0, now);
}

void Board::on_disconnected(TimePoint) {
  if (connected_) ++counters_.disconnects;
  connected_ = false;
  // An outstanding query stays outstanding: its reply is lost with the link, so it times out
  // as it does on the board.
}

void Board::on_message(std::string_view topic, std::string_view payload, TimePoint now) {
  if (topic == reply_topic_)
    on_reply(payload, now);
  else if (topic == request_topic_)
    on_request(payload, now);
}

void Board::on_tick(TimePoint now) {
  if (outstanding_ && now - outstanding_->sent_at >= config_.reply_timeout) {
    Step step = std::move(outstanding_->step);
    outstanding_.reset();
    ++counters_.timeouts[index(step.action)];
    unresponsive_until_ = now + scaled(kUnresponsiveWindow);
    if (is_buffered(step.action)) {
      // The backend may well have received it; the board cannot know and replays it.
      if (step.replay) {
        buffer_.push_front(std::move(step));
        ++counters_.buffered[index(buffer_.front().action)];
      } else {
        buffer_back(std::move(step));
      }
    } else if (step.action == Action::checkuser) {
      finish_checkuser(step.uid, std::nullopt, now);
    }
    // What was waiting behind it meets an unresponsive backend.
    auto waiting = std::move(queue_);
    queue_.clear();
    for (auto& next : waiting)
      go_offline(std::move(next), now);
  }
  if (connected_) {
    if (now >= next_refresh_) {
      next_refresh_ = now + scaled(kRefreshPeriod);
      enqueue(Action::checkmachine, {}, 0, now);
      if (in_use_)
        enqueue(Action::inuse, user_,
                std::chrono::duration_cast<std::chrono::seconds>(now - since_).count(), now);
    }
    if (now >= next_alive_) {
      next_alive_ = now + scaled(kAlivePeriod);
      enqueue(Action::alive, {}, 0, now);
    }
  }
  pump(now);
}

void Board::tap(std::string_view uid, TimePoint now) {
  ++counters_.taps;
  if (!idle()) {
    // The firmware is blocked waiting for a reply and does not read the card.
    ++counters_.taps_ignored;
    return;
  }
  if (!in_use_) {
    authorize(uid, now);
  } else if (uid == user_) {
    logout(now);
  } else {
    ++counters_.taps_ignored;  // "already in use by ..." on the LCD, nothing sent
  }
}

void Board::enqueue(Action action, std::string_view uid, std::int64_t duration_s, TimePoint now) {
  Step step{action, std::string(uid), payload_for(action, uid, duration_s, config_.identity)};
  if (!reachable(now)) {
    go_offline(std::move(step), now);
    return;
  }
  queue_.push_back(std::move(step));
  pump(now);
}

void Board::go_offline(Step step, TimePoint now) {
  if (is_buffered(step.action)) {
    buffer_back(std::move(step));
    return;
  }
  ++counters_.not_sent[index(step.action)];
  if (step.action == Action::checkuser) finish_checkuser(step.uid, std::nullopt, now);
}

void Board::buffer_back(Step step) {
  if (!step.replay) {
    step.payload = as_replay(step.payload);
    step.replay = true;
  }
  ++counters_.buffered[index(step.action)];
  buffer_.push_back(std::move(step));
}

void Board::pump(TimePoint now) {
  // Chronological order: nothing new goes out while buffered messages wait.
  while (!outstanding_ && reachable(now) && (!buffer_.empty() || !queue_.empty())) {
    auto& source = buffer_.empty() ? queue_ : buffer_;
    Step step = std::move(source.front());
    source.pop_front();
    if (!transmit(step, now)) return;
  }
}

bool Board::transmit(Step& step, TimePoint now) {
  if (!output_.publish(query_topic_, step.payload)) {
    ++counters_.publish_failures;
    if (is_buffered(step.action)) {
      // The firmware's publish-with-reply buffers a message it could not publish, and the
      // caller buffers it once more: the replay then arrives twice.
      Step copy = step;
      buffer_back(std::move(copy));
      buffer_back(std::move(step));
    } else if (step.action == Action::checkuser) {
      finish_checkuser(step.uid, std::nullopt, now);
    }
    on_disconnected(now);
    return false;
  }
  const auto i = index(step.action);
  ++counters_.sent[i];
  if (step.replay) ++counters_.replays[i];
  if (expects_reply(step.action)) outstanding_ = Outstanding{std::move(step), now};
  return true;
}

void Board::on_reply(std::string_view payload, TimePoint now) {
  if (!outstanding_) {
    ++counters_.late_replies;
    return;
  }
  Outstanding done = std::move(*outstanding_);
  outstanding_.reset();
  const auto action = done.step.action;
  ++counters_.replies[index(action)];
  counters_.latencies_us.push_back(static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now - done.sent_at).count()));
  const auto reply = parse_reply(payload);
  if (action == Action::checkmachine && reply && reply->request_ok && reply->is_valid) {
    allowed_ = reply->allowed;
    maintenance_due_ = reply->maintenance;
  } else if (action == Action::checkuser) {
    finish_checkuser(done.step.uid, reply, now);
  }
  pump(now);
}

void Board::on_request(std::string_view payload, TimePoint now) {
  const auto request = parse_request(payload);
  if (!request) return;
  ++counters_.requests;
  if (request->type == RemoteRequest::Type::start) {
    if (in_use_) logout(now);
    authorize(request->uid, now);
  } else if (in_use_) {
    logout(now);
  } else {
    enqueue(Action::stopuse, kNoCard, 0, now);
  }
}

void Board::authorize(std::string_view uid, TimePoint now) {
  enqueue(Action::checkuser, uid, 0, now);
}

void Board::finish_checkuser(const std::string& uid, const std::optional<ReplyFields>& reply,
                             TimePoint now) {
  int level = 0;
  if (reply && reply->request_ok) {
    level = reply->is_valid ? std::max(reply->level, 1) : 0;
    if (level > 0)
      card_cache_[uid] = level;
    else
      card_cache_.erase(uid);
  } else if (const auto cached = card_cache_.find(uid); cached != card_cache_.end()) {
    level = cached->second;  // the board's offline cache of recently valid cards
    ++counters_.offline_logins;
  }
  const bool staff = level >= 2;
  if (level == 0 || !allowed_ || (maintenance_due_ && !staff)) {
    ++counters_.denied;
  } else {
    if (maintenance_due_) {
      // Staff confirm the maintenance with a long tap; the firmware registers it and proceeds.
      enqueue(Action::maintenance, uid, 0, now);
      maintenance_due_ = false;
    }
    in_use_ = true;
    user_ = uid;
    since_ = now;
    ++counters_.logins;
    enqueue(Action::startuse, uid, 0, now);
  }
  // After every tap on a free machine the firmware refreshes the machine from the server.
  enqueue(Action::checkmachine, {}, 0, now);
}

void Board::logout(TimePoint now) {
  const auto duration = std::chrono::duration_cast<std::chrono::seconds>(now - since_).count();
  const std::string uid = std::move(user_);
  user_.clear();
  in_use_ = false;
  ++counters_.logouts;
  enqueue(Action::stopuse, uid, duration, now);
}

}  // namespace fabomatic::board_sim
