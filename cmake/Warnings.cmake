# Warnings for our own targets only; third-party headers are included as SYSTEM.
function(mina_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                         -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
  if(MINA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
