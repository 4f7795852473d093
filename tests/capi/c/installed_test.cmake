# Installs the "powersync" component of a build into a fresh prefix, then uses it the two
# ways a C user would: find_package(powersync) from CMake, and pkg-config with a bare cc.
# Usage: see tests/capi/c/CMakeLists.txt (add_test capi_installed_library).

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# 1. install
set(config_args "")
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component powersync ${config_args})
foreach(expected include/powersync.h ${LIBDIR}/libpowersync.so ${LIBDIR}/libpowersync.so.0
                 ${LIBDIR}/pkgconfig/powersync.pc ${LIBDIR}/cmake/powersync/powersync-config.cmake)
  if(NOT EXISTS ${prefix}/${expected})
    message(FATAL_ERROR "not installed: ${prefix}/${expected}")
  endif()
endforeach()

set(sanitize_flags "")
if(SANITIZE)
  set(sanitize_flags -fsanitize=${SANITIZE})
endif()
set(libpath "${prefix}/${LIBDIR}")

# 2. a CMake consumer through find_package(powersync)
string(REPLACE ";" " " sanitize_string "${sanitize_flags}")
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer-build -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER}
    "-DCMAKE_C_FLAGS=${sanitize_string}" "-DCMAKE_EXE_LINKER_FLAGS=${sanitize_string}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build)
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libpath} ${WORK_DIR}/consumer-build/powersync_consumer)
message(STATUS "find_package consumer: ${last_output}")

# 3. roundtrip.c with `cc $(pkg-config --cflags --libs powersync)`
run(${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${libpath}/pkgconfig pkg-config --cflags --libs powersync)
string(STRIP "${last_output}" pkg_flags)
separate_arguments(pkg_flags UNIX_COMMAND "${pkg_flags}")
run(${C_COMPILER} -std=c99 -Wall -Wextra -pedantic -Werror ${sanitize_flags} ${ROUNDTRIP}
    ${pkg_flags} -o ${WORK_DIR}/roundtrip_pkgconfig)
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libpath} ${WORK_DIR}/roundtrip_pkgconfig)
message(STATUS "pkg-config roundtrip: ${last_output}")
