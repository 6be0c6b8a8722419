# SPDX-License-Identifier: BSL-1.0
# Defines the ko half of a compile-fail test: building TARGET in BUILD_DIR must fail, and the
# output must match every `// expect: <regex>` line of SOURCE.
# Usage: cmake -DBUILD_DIR=… -DTARGET=… -DSOURCE=… [-DCONFIG=…] -P expect_compile_failure.cmake
foreach(var IN ITEMS BUILD_DIR TARGET SOURCE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_compile_failure: -D${var}=… is required")
  endif()
endforeach()

# The regexes are read here, not passed on the command line, so they need no escaping.
file(STRINGS "${SOURCE}" expect_lines REGEX "^[ \t]*//[ \t]*expect:")
set(regexes "")
foreach(line IN LISTS expect_lines)
  string(REGEX REPLACE "^[ \t]*//[ \t]*expect:[ \t]*" "" regex "${line}")
  string(STRIP "${regex}" regex)
  list(APPEND regexes "${regex}")
endforeach()
if(NOT regexes)
  message(FATAL_ERROR "expect_compile_failure: ${SOURCE} has no `// expect: <regex>` line")
endif()

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
# LC_ALL=C: g++ then quotes with ' instead of typographic quotes, so regexes stay ASCII.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C
          "${CMAKE_COMMAND}" --build "${BUILD_DIR}" ${config_args} --target "${TARGET}"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)

if(result EQUAL 0)
  message(FATAL_ERROR "expect_compile_failure: ${TARGET} compiled, but its "
                      "TYPENET_SHOULD_FAIL variant must not (${SOURCE})")
endif()
foreach(regex IN LISTS regexes)
  if(NOT output MATCHES "${regex}")
    message("${output}")
    message(FATAL_ERROR "expect_compile_failure: ${TARGET} failed to compile as expected, "
                        "but the output above does not match the regex\n  ${regex}\n"
                        "(from ${SOURCE})")
  endif()
endforeach()
message(STATUS "expect_compile_failure: ${TARGET} failed to compile with the expected message")
