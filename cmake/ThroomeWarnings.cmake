# Warnings for Throome's own targets only (dependencies are -isystem via imported targets).
function(throome_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wnon-virtual-dtor -Wcast-align
                                           -Woverloaded-virtual)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wshadow=local)  # clang has no =local form
  endif()
  if(THROOME_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # g++ 12 at -O3 reports impossible std::string memcpy overlaps (GCC bug 105329), and
    # with optimisation pairs Asio's coroutine-frame operator new/delete wrongly
    # (-Wmismatched-new-delete on awaitable frames, GCC bug 109224).
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-mismatched-new-delete)
  endif()
endfunction()
