# -DTHROOME_FUZZ=ON (clang only): builds everything with -fsanitize=fuzzer-no-link,address,
# undefined and adds the libFuzzer targets of tests/fuzz (ctest label `fuzz`).
option(THROOME_FUZZ "Build the libFuzzer targets (clang; ASan+UBSan)" OFF)
set(THROOME_FUZZ_SECONDS 30 CACHE STRING "How long the `fuzz` ctest label runs each target")
if(THROOME_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "THROOME_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(THROOME_SANITIZE)
    message(FATAL_ERROR "THROOME_FUZZ already builds with ASan+UBSan: leave THROOME_SANITIZE empty")
  endif()
  # -fno-sanitize=function: clang 14's function-type check emits prologue data that
  # coroutine frames split across sections ("error: Cannot represent a difference across
  # sections"); the rest of UBSan stays on.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function
                      -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # -Werror is for the CI compiler (g++ 12); clang's extra warnings are advisory here.
  set(THROOME_WERROR OFF)
endif()
