# Cross-compiling for 64-bit ARM (Raspberry Pi 3/4/400/CM4/Zero 2 W) on a Debian host with
# Debian's cross toolchain and multiarch libraries (crossbuild-essential-arm64, pkgconf:arm64,
# lib*-dev:arm64; tools/install-deps.sh --cross-arm64 installs them).
#   cmake -S . -B build/cross-arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# Test binaries run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), so gtest_discover_tests and
# ctest work as in a native build.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(PKG_CONFIG_EXECUTABLE aarch64-linux-gnu-pkg-config CACHE FILEPATH "pkg-config for arm64")

# The arm64 C library and loader are those of the multiarch packages (libc6:arm64, in /lib and
# /usr/lib/aarch64-linux-gnu, pulled in by the -dev:arm64 libraries), so qemu needs no -L prefix.
# With "-L /usr/aarch64-linux-gnu" (the cross toolchain's own copy of libc) every program that
# starts a thread hung in qemu 7.2 here.
find_program(FABOMATIC_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(FABOMATIC_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${FABOMATIC_QEMU_AARCH64})
endif()

# Headers and libraries of the target come from the multiarch paths (/usr/include,
# /usr/lib/aarch64-linux-gnu); programs (gzip, python3) from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
