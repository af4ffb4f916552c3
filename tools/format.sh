#!/usr/bin/env bash
# Formats every C++ source of the project with the checked-in .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' | xargs -r clang-format -i
