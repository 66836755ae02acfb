# The programs as one portable binary (DEEPDIFF_PORTABLE): the whole program compiled once per
# instruction-set level (DEEPDIFF_PORTABLE_LEVELS), each copy sealed so that it shares no code
# with the others, and a small dispatcher main (examples/dispatch_main.cpp, compiled for the
# x86-64 baseline) that runs the widest copy the CPU supports (kernels/isa.hpp). A binary built
# on an AVX-512 machine then runs on an AVX2 one, and on each it computes exactly what a build
# for that level computes (the copy is that build).
#
# Why whole copies, sealed. Compiling the same headers for several -march levels in one program
# breaks the one-definition rule: every inline function and template instantiation (ours,
# Eigen's, the standard library's) exists once per level under one name, the linker keeps one
# of them, and baseline code may then run an AVX-512 copy (SIGILL) or an AVX-512 kernel a
# baseline one (slow). So each copy is partially linked into one object whose symbols are all
# made local but its entry point: `ld -r --force-group-allocation` dissolves the COMDAT groups
# (else the final link would discard a copy's sections as duplicates of another's), and
# -fno-gnu-unique turns the function-local statics of inline functions (STB_GNU_UNIQUE, which
# objcopy cannot localize) into weak symbols that it can. Whole programs rather than kernels
# alone: outside the kernels the model still sums with Eigen's vectorized reductions, whose
# order depends on the vector width, so only a whole copy gives a level's numbers exactly.
# Nor may a copy's code run before the dispatcher has chosen: the loader runs every object's
# static initializers (.init_array) at start-up, and a copy's are compiled for its level (an
# AVX-512 copy's regex constructors died with SIGILL on an AVX2 CPU). So the sealing renames
# the copy's .init_array to deepdiff_init_<level>, which the loader ignores, and the dispatcher
# runs the chosen copy's initializers itself (kernels/isa.hpp, run_copy_initializers).
#
#   deepdiff_add_program(TARGET OUTPUT_NAME SOURCE DEPS)
#     TARGET, OUTPUT_NAME  the executable target and its file name
#     SOURCE               the program's one translation unit; it defines
#                          `int DEEPDIFF_MAIN(int, char**)` (common/portable_copy.hpp)
#     DEPS                 an INTERFACE library with everything the program compiles and links with

set(DEEPDIFF_LEVEL_FLAGS_avx512bf16 -march=x86-64-v4 -mavx512bf16)
set(DEEPDIFF_LEVEL_FLAGS_avx512 -march=x86-64-v4)
set(DEEPDIFF_LEVEL_FLAGS_avx2 -march=x86-64-v3)

function(deepdiff_add_program target output_name source deps)
  if(NOT DEEPDIFF_PORTABLE_ON)
    add_executable(${target} ${source})
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${output_name})
    target_link_libraries(${target} PRIVATE ${deps} deepdiff_project_options)
    return()
  endif()
  set(objects)
  set(copy_defs)
  string(REPLACE ";" "," levels_text "${DEEPDIFF_PORTABLE_LEVELS}")
  foreach(level IN LISTS DEEPDIFF_PORTABLE_LEVELS)
    set(copy ${target}_${level})
    add_library(${copy} OBJECT ${source})
    target_link_libraries(${copy} PRIVATE ${deps} deepdiff_common_options)
    target_compile_options(${copy} PRIVATE ${DEEPDIFF_LEVEL_FLAGS_${level}} -fno-gnu-unique)
    target_compile_definitions(${copy} PRIVATE DEEPDIFF_MAIN=deepdiff_main_${level}
      DEEPDIFF_PORTABLE_COPY=${level} DEEPDIFF_PORTABLE_LEVELS="${levels_text}")
    set_target_properties(${copy} PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
    set(sealed ${CMAKE_CURRENT_BINARY_DIR}/${copy}.sealed.o)
    add_custom_command(OUTPUT ${sealed}
      COMMAND ${CMAKE_LINKER} -r --force-group-allocation -o ${sealed}.partial $<TARGET_OBJECTS:${copy}>
      COMMAND ${CMAKE_OBJCOPY} --keep-global-symbol=deepdiff_main_${level}
              --rename-section .init_array=deepdiff_init_${level} ${sealed}.partial ${sealed}
      COMMAND ${CMAKE_COMMAND} -E remove ${sealed}.partial
      DEPENDS $<TARGET_OBJECTS:${copy}>
      COMMENT "Sealing the ${level} copy of ${output_name} (every symbol local but deepdiff_main_${level})"
      COMMAND_EXPAND_LISTS VERBATIM)
    set_source_files_properties(${sealed} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
    list(APPEND objects ${sealed})
    string(TOUPPER ${level} upper)
    list(APPEND copy_defs DEEPDIFF_COPY_${upper}=1)
  endforeach()
  add_executable(${target} ${PROJECT_SOURCE_DIR}/examples/dispatch_main.cpp ${objects})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${output_name})
  # The dispatcher compiles for the baseline (no -march): it must run on any x86-64 to say
  # what a CPU without any copy's level lacks.
  target_link_libraries(${target} PRIVATE ${deps} deepdiff_common_options)
  target_compile_definitions(${target} PRIVATE ${copy_defs} DEEPDIFF_PROGRAM_NAME="${output_name}")
  foreach(level IN LISTS DEEPDIFF_PORTABLE_LEVELS)
    add_dependencies(${target} ${target}_${level})  # the sealing reads the copy's object files
  endforeach()
  set_property(TARGET ${target} PROPERTY DEEPDIFF_SEALED_OBJECTS ${objects})
endfunction()
