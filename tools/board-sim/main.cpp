// board-sim: a simulated fleet of Fab-O-Matic boards (see usage_text() and board.hpp).
#include <cstdio>
#include <cstring>
#include <exception>

#include "tools/board-sim/modes.hpp"

int main(int argc, char** argv) {
  using namespace fabomatic::board_sim;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(usage_text().c_str(), stdout);
      return 0;
    }
  }
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "board-sim: %s\n\n%s", e.what(), usage_text().c_str());
    return 2;
  }
  try {
    switch (options.mode) {
      case Options::Mode::fleet:
        return run_fleet(options);
      case Options::Mode::bench:
        return run_bench(options);
      case Options::Mode::query:
        return run_query(options);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "board-sim: %s\n", e.what());
    return 2;
  }
  return 2;
}
