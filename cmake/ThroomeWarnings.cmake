# Warnings for Throome's own targets only (dependencies are -isystem via imported targets).
function(throome_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor
                                           -Wcast-align -Woverloaded-virtual)
  if(THROOME_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
