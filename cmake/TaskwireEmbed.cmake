# taskwire_embed(TARGET FUNCTION namespace::Name BASE dir FILES a b ...)
#
# Compiles FILES into TARGET as byte arrays and defines
#   std::span<const taskwire::base::EmbeddedFile> namespace::Name();
# listing them by their path relative to BASE, in the order given. Regenerated when a file changes.
function(taskwire_embed target)
  cmake_parse_arguments(E "" "FUNCTION;BASE" "FILES" ${ARGN})
  string(MAKE_C_IDENTIFIER "${E_FUNCTION}" id)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_${id}.cc")
  set(abs_files "")
  foreach(f IN LISTS E_FILES)
    list(APPEND abs_files "${E_BASE}/${f}")
  endforeach()
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} "-DOUT=${out}" "-DFUNCTION=${E_FUNCTION}" "-DBASE=${E_BASE}"
            "-DFILES=${E_FILES}" -P "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
    DEPENDS ${abs_files} "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake"
    COMMENT "Embedding ${E_FUNCTION}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
