# `relax --print-parameters [SOLVER]` must print a file that a user can save
# and run as it is: for each solver, print it, run it (on a coarse mesh), and
# require a summary.json. Also: every parameter has documentation.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
foreach(solver landscape heat fokker-planck hj-viscous hj-inviscid jko train)
  execute_process(COMMAND ${RELAX} --print-parameters ${solver}
                  OUTPUT_FILE ${WORK}/${solver}.prm RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "relax --print-parameters ${solver} failed")
  endif()
  file(STRINGS ${WORK}/${solver}.prm lines)
  set(previous "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^ *set " AND NOT previous MATCHES "^ *#")
      message(FATAL_ERROR "undocumented entry in --print-parameters ${solver}: ${line}")
    endif()
    if(NOT line STREQUAL "")
      set(previous "${line}")
    endif()
  endforeach()
  execute_process(COMMAND ${RELAX} ${WORK}/${solver}.prm --set Mesh/refinement=2
                  WORKING_DIRECTORY ${WORK} RESULT_VARIABLE status)
  # Exit 4 (complete, untrusted) is a run too: on the 4 × 4 mesh of this
  # check a density may well be narrower than a cell, and relax says so.
  if(NOT (status EQUAL 0 OR status EQUAL 4) OR NOT EXISTS ${WORK}/output/${solver}/summary.json)
    message(FATAL_ERROR "the printed ${solver} parameters do not run")
  endif()
endforeach()
