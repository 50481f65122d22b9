# mina_embed(OUT file.cpp NAMESPACE ns FILES a.sql b.sql): compiles text files into
# `std::span<const EmbeddedFile> ns::files()`, so the binary carries its migrations and needs no
# data directory for them.
function(mina_embed)
  cmake_parse_arguments(E "" "OUT;NAMESPACE" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${E_OUT}
    COMMAND ${CMAKE_COMMAND} -DOUT=${E_OUT} -DNS=${E_NAMESPACE} "-DFILES=${E_FILES}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedRun.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedRun.cmake
    VERBATIM)
endfunction()
