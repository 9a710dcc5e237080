# The man pages and shell completions, written by the kanon just built from
# its own command table, so they can never disagree with `kanon --help`:
#   cmake -DKANON=path/to/kanon -DOUT=dir -P kanon_docs.cmake
# writes OUT/man/*.1 and OUT/completions/{kanon.bash,_kanon,kanon.fish}.
file(REMOVE_RECURSE ${OUT}/man)
execute_process(COMMAND ${KANON} --quiet __man ${OUT}/man RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kanon __man failed (${rc})")
endif()
file(MAKE_DIRECTORY ${OUT}/completions)
foreach(pair "bash;kanon.bash" "zsh;_kanon" "fish;kanon.fish")
  list(GET pair 0 shell)
  list(GET pair 1 name)
  execute_process(COMMAND ${KANON} completion ${shell} OUTPUT_FILE ${OUT}/completions/${name} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "kanon completion ${shell} failed (${rc})")
  endif()
endforeach()
