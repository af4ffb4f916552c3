#include "web/export/export_worker.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "db/sqlite.hpp"
#include "web/export/csv_writer.hpp"
#include "web/export/xlsx_writer.hpp"
#include "web/http/thread_priority.hpp"

namespace fabomatic::web::exports {

namespace {

/// One download's pieces between its job (producer) and its connection (consumer).
class Pipe {
 public:
  static constexpr std::size_t kCapacity = 2;

  /// Producer: blocks while the pipe is full; throws Cancelled once the consumer left.
  void push(std::string piece) {
    BodyStream::Deliver deliver;
    {
      std::unique_lock lock(mutex_);
      space_.wait(lock, [&] { return cancelled_ || pieces_.size() < kCapacity; });
      if (cancelled_) throw Cancelled();
      if (!waiting_) {
        pieces_.push_back(std::move(piece));
        return;
      }
      deliver = std::exchange(waiting_, nullptr);
    }
    deliver(std::move(piece));
  }

  void end(bool failed) {
    BodyStream::Deliver deliver;
    {
      std::lock_guard lock(mutex_);
      (failed ? failed_ : done_) = true;
      deliver = std::exchange(waiting_, nullptr);
    }
    if (deliver) deliver(failed ? std::nullopt : std::optional<std::string>(std::string()));
  }

  /// Consumer.
  void next(BodyStream::Deliver deliver) {
    std::optional<std::string> piece;
    {
      std::lock_guard lock(mutex_);
      if (!pieces_.empty()) {
        piece = std::move(pieces_.front());
        pieces_.pop_front();
        space_.notify_one();
      } else if (done_) {
        piece = std::string();
      } else if (!failed_) {
        waiting_ = std::move(deliver);
        return;
      }
    }
    deliver(std::move(piece));
  }

  void cancel() {
    BodyStream::Deliver dropped;
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      dropped = std::exchange(waiting_, nullptr);  // it may hold the connection
      pieces_.clear();
    }
    space_.notify_all();
  }

  bool cancelled() {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable space_;
  std::deque<std::string> pieces_;
  BodyStream::Deliver waiting_;
  bool done_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
};

class PipeStream final : public BodyStream {
 public:
  explicit PipeStream(std::shared_ptr<Pipe> pipe) : pipe_(std::move(pipe)) {}
  ~PipeStream() override { pipe_->cancel(); }
  void next(Deliver deliver) override { pipe_->next(std::move(deliver)); }

 private:
  std::shared_ptr<Pipe> pipe_;
};

}  // namespace

struct ExportWorker::State {
  struct Job {
    ByteJob work;
    std::shared_ptr<Pipe> pipe;
    std::function<void(std::string)> done;  // a background job: told the outcome, no pipe
  };
  ExportOptions options;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> queue;
  std::vector<std::shared_ptr<Pipe>> active;
  std::size_t open_connections = 0;
  bool paused = false;  // exclusive() runs: no job opens the database
  std::condition_variable resume;
  bool stopping = false;
  std::vector<std::thread> threads;

  void report(log::Level level, const std::string& message) const {
    log::write_to(options.log, level, "export", message);
  }

  void run_thread() {
    name_and_lower_this_thread("fabomatic-export", options.nice);
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        job = std::move(queue.front());
        queue.pop_front();
        active.push_back(job.pipe);
      }
      run(job);
      std::lock_guard lock(mutex);
      std::erase(active, job.pipe);
    }
  }

  static std::string run_background(State& state, Job& job) {
    try {
      OpenConnection counted(state);
      db::Connection connection(state.options.database_path,
                                {.mode = db::OpenMode::ReadOnly, .foreign_keys = false});
      job.work(connection, Sink());
      return "";
    } catch (const std::exception& e) {
      return e.what();
    }
  }

  /// Counts the job's connection while it is open (see ExportWorker::exclusive).
  struct OpenConnection {
    State& state;
    explicit OpenConnection(State& s) : state(s) {
      std::unique_lock lock(state.mutex);
      state.resume.wait(lock, [&] { return !state.paused; });
      ++state.open_connections;
    }
    ~OpenConnection() {
      std::lock_guard lock(state.mutex);
      --state.open_connections;
    }
  };

  void run(Job& job) {
    if (job.done) {
      job.done(run_background(*this, job));
      return;
    }
    if (job.pipe->cancelled()) return;
    bool failed = false;
    try {
      OpenConnection counted(*this);
      db::Connection connection(options.database_path,
                                {.mode = db::OpenMode::ReadOnly, .foreign_keys = false});
      connection.exec("BEGIN");  // one snapshot for every query of the job
      const Sink sink = [pipe = job.pipe.get()](std::string_view bytes) {
        if (!bytes.empty()) pipe->push(std::string(bytes));
      };
      job.work(connection, sink);
      connection.exec("COMMIT");
    } catch (const Cancelled&) {
      return;
    } catch (const std::exception& e) {
      report(log::Level::error, std::string("a download failed: ") + e.what());
      failed = true;
    }
    job.pipe->end(failed);
  }
};

ExportWorker::ExportWorker(ExportOptions options)
    : options_(std::move(options)), state_(std::make_shared<State>()) {
  state_->options = options_;
  const std::size_t threads = options_.threads == 0 ? 1 : options_.threads;
  for (std::size_t i = 0; i < threads; ++i)
    state_->threads.emplace_back([state = state_.get()] { state->run_thread(); });
}

ExportWorker::~ExportWorker() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    for (auto& job : state_->queue)
      job.pipe->cancel();
    state_->queue.clear();
    for (auto& pipe : state_->active)
      pipe->cancel();
  }
  state_->wake.notify_all();
  for (auto& thread : state_->threads)
    thread.join();
}

std::shared_ptr<BodyStream> ExportWorker::submit(ByteJob job) {
  auto pipe = std::make_shared<Pipe>();
  {
    std::lock_guard lock(state_->mutex);
    // Downloads abandoned before their turn take no room.
    std::erase_if(state_->queue,
                  [](const State::Job& j) { return !j.done && j.pipe->cancelled(); });
    const auto waiting = std::count_if(state_->queue.begin(), state_->queue.end(),
                                       [](const State::Job& j) { return !j.done; });
    if (state_->stopping || static_cast<std::size_t>(waiting) >= options_.waiting_limit) {
      return nullptr;
    }
    state_->queue.push_back({std::move(job), pipe});
  }
  state_->wake.notify_one();
  return std::make_shared<PipeStream>(std::move(pipe));
}

bool ExportWorker::background(Background work, std::function<void(std::string error)> done) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopping) return false;
    state_->queue.push_back(
        {[work = std::move(work)](db::Connection& db, const Sink&) { work(db); },
         std::make_shared<Pipe>(), std::move(done)});
  }
  state_->wake.notify_one();
  return true;
}

bool ExportWorker::exclusive(const std::function<void()>& work) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->open_connections > 0) return false;
    state_->paused = true;
  }
  struct Resume {
    State& state;
    ~Resume() {
      {
        std::lock_guard lock(state.mutex);
        state.paused = false;
      }
      state.resume.notify_all();
    }
  } resume{*state_};
  work();
  return true;
}

std::shared_ptr<BodyStream> ExportWorker::bytes(ByteJob job) {
  return submit(std::move(job));
}

std::shared_ptr<BodyStream> ExportWorker::tables(Format format, TableJob job, CsvStyle csv) {
  return submit([format, job = std::move(job), piece = options_.piece_bytes,
                 temp = options_.temp_dir, csv](db::Connection& db, const Sink& out) {
    if (format == Format::csv) {
      CsvWriter writer(out, piece, csv);
      job(db, writer);
      writer.finish();
    } else {
      XlsxWriter writer(out, temp, piece);
      job(db, writer);
      writer.finish();
    }
  });
}

std::optional<Format> parse_format(std::string_view text) {
  if (text == "csv") return Format::csv;
  if (text == "xlsx") return Format::xlsx;
  return std::nullopt;
}

}  // namespace fabomatic::web::exports
