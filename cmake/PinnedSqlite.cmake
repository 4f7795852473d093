# Builds the pinned SQLite amalgamation that every native target links.
#
# The source comes from the npm registry (the better-sqlite3 package ships the
# amalgamation), so nothing is committed and no other host is contacted. The
# tarball is cached outside the build tree so fresh build directories reuse it.

set(POWERSYNC_SQLITE_NPM_PACKAGE "better-sqlite3@12.9.0" CACHE STRING "npm package carrying the SQLite amalgamation")
set(POWERSYNC_SQLITE_EXPECTED_VERSION "3.53.0")
set(POWERSYNC_DOWNLOAD_CACHE "$ENV{HOME}/.cache/powersync-cpp" CACHE PATH "where registry downloads are cached")

include(${CMAKE_CURRENT_LIST_DIR}/NpmPack.cmake)
npm_pack_extract(${POWERSYNC_SQLITE_NPM_PACKAGE} sqlite_pkg_dir)

set(POWERSYNC_SQLITE_DIR "${sqlite_pkg_dir}/package/deps/sqlite3")
file(STRINGS "${POWERSYNC_SQLITE_DIR}/sqlite3.h" _sqlite_version_line REGEX "^#define SQLITE_VERSION +\"")
if(NOT _sqlite_version_line MATCHES "\"${POWERSYNC_SQLITE_EXPECTED_VERSION}\"")
  message(FATAL_ERROR "pinned SQLite ${POWERSYNC_SQLITE_EXPECTED_VERSION} expected, found: ${_sqlite_version_line}")
endif()

add_library(powersync_sqlite STATIC "${POWERSYNC_SQLITE_DIR}/sqlite3.c")
target_include_directories(powersync_sqlite SYSTEM PUBLIC "${POWERSYNC_SQLITE_DIR}")
set_target_properties(powersync_sqlite PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
target_compile_definitions(powersync_sqlite PUBLIC
  SQLITE_THREADSAFE=2            # each connection is used by one thread at a time (the pool guarantees it)
  SQLITE_DEFAULT_MEMSTATUS=0
  SQLITE_DEFAULT_WAL_SYNCHRONOUS=1
  SQLITE_DQS=0
  SQLITE_LIKE_DOESNT_MATCH_BLOBS
  SQLITE_OMIT_DEPRECATED
  SQLITE_OMIT_SHARED_CACHE
  SQLITE_USE_URI=1
  SQLITE_ENABLE_MATH_FUNCTIONS
  SQLITE_ENABLE_FTS5
  SQLITE_ENABLE_RTREE
  SQLITE_ENABLE_STAT4
)
# The sanitizer builds instrument our code, not SQLite's (its own tests cover it).
target_compile_options(powersync_sqlite PRIVATE -O2 -w -fno-sanitize=all)
find_package(Threads REQUIRED)
target_link_libraries(powersync_sqlite PUBLIC Threads::Threads ${CMAKE_DL_LIBS} m)
