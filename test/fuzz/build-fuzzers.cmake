# SPDX-License-Identifier: Apache-2.0
# ctest fixture fuzz.build (test/fuzz/CMakeLists.txt): configure the clang libFuzzer project once,
# then build it (incrementally on later runs).
#   cmake -DFUZZ_SOURCE_DIR=... -DFUZZ_BUILD_DIR=... -DFUZZ_CC=clang -P build-fuzzers.cmake
foreach(v FUZZ_SOURCE_DIR FUZZ_BUILD_DIR FUZZ_CC)
    if(NOT DEFINED ${v})
        message(FATAL_ERROR "build-fuzzers.cmake: -D${v}=... is required")
    endif()
endforeach()

if(NOT EXISTS ${FUZZ_BUILD_DIR}/CMakeCache.txt)
    execute_process(
        COMMAND ${CMAKE_COMMAND} -S ${FUZZ_SOURCE_DIR} -B ${FUZZ_BUILD_DIR}
            -DCMAKE_C_COMPILER=${FUZZ_CC}
        RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "fuzz: configuring ${FUZZ_SOURCE_DIR} with ${FUZZ_CC} failed")
    endif()
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${FUZZ_BUILD_DIR} -j2 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "fuzz: building the fuzz targets failed")
endif()
