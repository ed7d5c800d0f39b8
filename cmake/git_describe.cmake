# Writes OUTPUT, a header defining klest::git_describe from `git describe` of SOURCE_DIR, and
# leaves it untouched when the text has not changed. Runs at every build (see CMakeLists.txt), so
# --version and experiment manifests name the commit the binary was built from, not the one the
# build folder was configured at.
execute_process(COMMAND git describe --always --dirty --tags
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT describe)
  set(describe "unknown")
endif()
set(text "#pragma once
// Generated at build time by cmake/git_describe.cmake.
namespace klest {
inline constexpr const char* git_describe = \"${describe}\";
}  // namespace klest
")
set(old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
