# Installs deepdiff from SOURCE_DIR into a scratch prefix, then configures, builds and runs
# the consumer project beside this file against that prefix only.
file(REMOVE_RECURSE ${BUILD_DIR})
set(prefix ${BUILD_DIR}/prefix)
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR}/lib -G ${GENERATOR}
    -DDEEPDIFF_BUILD_TESTS=OFF -DDEEPDIFF_BUILD_EXAMPLES=OFF -DDEEPDIFF_BUILD_BENCHMARKS=OFF
    -DCMAKE_INSTALL_PREFIX=${prefix})
run(${CMAKE_COMMAND} --install ${BUILD_DIR}/lib)
run(${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR}/consumer -B ${BUILD_DIR}/consumer -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${BUILD_DIR}/consumer)
run(${BUILD_DIR}/consumer/consumer)
if(EXISTS ${BUILD_DIR}/consumer/consumer_genomics)
  run(${BUILD_DIR}/consumer/consumer_genomics)
endif()
