# npm_pack_extract(<package@version> <out_var>)
# Downloads a package tarball from the npm registry with `npm pack` (no install
# scripts run) into POWERSYNC_DOWNLOAD_CACHE, extracts it once, and sets
# <out_var> to the extraction directory (which contains `package/`).
function(npm_pack_extract spec out_var)
  string(MAKE_C_IDENTIFIER "${spec}" _id)
  set(_dir "${POWERSYNC_DOWNLOAD_CACHE}/${_id}")
  if(NOT EXISTS "${_dir}/.complete")
    find_program(NPM_EXECUTABLE npm REQUIRED)
    file(REMOVE_RECURSE "${_dir}")
    file(MAKE_DIRECTORY "${_dir}")
    message(STATUS "npm pack ${spec}")
    execute_process(
      COMMAND ${NPM_EXECUTABLE} pack ${spec} --silent --pack-destination "${_dir}"
      WORKING_DIRECTORY "${_dir}"
      RESULT_VARIABLE _rc OUTPUT_VARIABLE _tarball OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "npm pack ${spec} failed (${_rc})")
    endif()
    string(REGEX REPLACE ".*\n" "" _tarball "${_tarball}")
    file(ARCHIVE_EXTRACT INPUT "${_dir}/${_tarball}" DESTINATION "${_dir}")
    file(REMOVE "${_dir}/${_tarball}")
    file(TOUCH "${_dir}/.complete")
  endif()
  set(${out_var} "${_dir}" PARENT_SCOPE)
endfunction()
