# cmake -D EXE=kanon_unit -D OUT=FILE -D WORKDIR=DIR -P unit_suites.cmake
#
# Lists the GoogleTest suites of EXE and writes a CTest file with one test per
# suite (`EXE --gtest_filter=SUITE.*`), labelled `unit`. Run after each link
# of kanon_unit (tests/CMakeLists.txt). A suite of typed or parameterised
# tests ("Prefix/Suite.") keeps its full name.
execute_process(COMMAND ${EXE} --gtest_list_tests
                OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE rc TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --gtest_list_tests failed (${rc}):\n${errors}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(suites)
set(count 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^([A-Za-z0-9_/]+)\\.")
    list(APPEND suites ${CMAKE_MATCH_1})
  elseif(line MATCHES "^  [A-Za-z0-9_/]")
    math(EXPR count "${count} + 1")
  endif()
endforeach()
set(text "# ${count} tests in these suites; written by cmake/unit_suites.cmake\n")
foreach(suite IN LISTS suites)
  string(APPEND text "add_test([=[${suite}]=] [=[${EXE}]=] [=[--gtest_filter=${suite}.*]=] --gtest_brief=1)\n"
                     "set_tests_properties([=[${suite}]=] PROPERTIES LABELS unit WORKING_DIRECTORY [=[${WORKDIR}]=])\n")
endforeach()
file(WRITE ${OUT}.tmp "${text}")
file(RENAME ${OUT}.tmp ${OUT})
