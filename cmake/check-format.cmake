# Fails when a C++ source of the project is not formatted with the checked-in .clang-format.
file(GLOB_RECURSE sources
     ${SOURCE_DIR}/common/*.cpp ${SOURCE_DIR}/common/*.hpp
     ${SOURCE_DIR}/app/*.cpp ${SOURCE_DIR}/app/*.hpp
     ${SOURCE_DIR}/broker/*.cpp ${SOURCE_DIR}/broker/*.hpp
     ${SOURCE_DIR}/db/*.cpp ${SOURCE_DIR}/db/*.hpp
     ${SOURCE_DIR}/backend/*.cpp ${SOURCE_DIR}/backend/*.hpp
     ${SOURCE_DIR}/web/*.cpp ${SOURCE_DIR}/web/*.hpp
     ${SOURCE_DIR}/certs/*.cpp ${SOURCE_DIR}/certs/*.hpp
     ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.hpp
     ${SOURCE_DIR}/tools/*.cpp ${SOURCE_DIR}/tools/*.hpp)
list(FILTER sources EXCLUDE REGEX "/node_modules/|/build")
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${sources}
                RESULT_VARIABLE result ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "clang-format finds unformatted code (run tools/format.sh):\n${errors}")
endif()
list(LENGTH sources count)
message(STATUS "${count} files formatted as .clang-format says")
