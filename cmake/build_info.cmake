# Writes OUT, the header of the programs' build information (`deepdiff --version`, metrics.json's
# "provenance"): VERSION, and the git commit of SOURCE_DIR as its short sha, with "-dirty" when
# tracked files differ from it; "unknown" without git, or when SOURCE_DIR is not the top of a
# checkout (a source tarball unpacked inside some other repository must not take its commit).
# Run by the deepdiff_build_info target on every build (cmake -P); OUT is rewritten only when its
# text changes, so an unchanged commit recompiles nothing.
#   cmake -DSOURCE_DIR=... -DOUT=... -DVERSION=... -P build_info.cmake
set(commit "unknown")
find_program(DEEPDIFF_GIT git)
if(DEEPDIFF_GIT)
  execute_process(COMMAND ${DEEPDIFF_GIT} -C ${SOURCE_DIR} rev-parse --show-toplevel
                  RESULT_VARIABLE rc OUTPUT_VARIABLE top OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0)
    file(REAL_PATH "${top}" top)
    file(REAL_PATH "${SOURCE_DIR}" src)
  endif()
  if(rc EQUAL 0 AND top STREQUAL src)
    execute_process(COMMAND ${DEEPDIFF_GIT} -C ${SOURCE_DIR} rev-parse --short HEAD
                    RESULT_VARIABLE rc OUTPUT_VARIABLE sha OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(rc EQUAL 0 AND sha MATCHES "^[0-9a-f]+$")
      set(commit "${sha}")
      execute_process(COMMAND ${DEEPDIFF_GIT} -C ${SOURCE_DIR} status --porcelain --untracked-files=no
                      RESULT_VARIABLE rc OUTPUT_VARIABLE changes ERROR_QUIET)
      if(NOT rc EQUAL 0 OR NOT changes STREQUAL "")
        string(APPEND commit "-dirty")
      endif()
    endif()
  endif()
endif()
set(text "// Written by cmake/build_info.cmake at build time; do not edit.\n#pragma once\n#define DEEPDIFF_BUILD_VERSION \"${VERSION}\"\n#define DEEPDIFF_BUILD_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
