# The official PowerSync SQLite core extension, used only as the oracle of the
# differential tests and the baseline of the benchmarks. It ships inside the npm
# package @powersync/node; it is never linked into our library.
set(POWERSYNC_OFFICIAL_NPM_PACKAGE "@powersync/node@1.1.0" CACHE STRING "npm package carrying the official core extension")
npm_pack_extract(${POWERSYNC_OFFICIAL_NPM_PACKAGE} _official_dir)
set(POWERSYNC_OFFICIAL_CORE "${_official_dir}/package/lib/libpowersync_x64.linux.so" CACHE INTERNAL "")
if(NOT EXISTS "${POWERSYNC_OFFICIAL_CORE}")
  message(FATAL_ERROR "official core extension not found in ${POWERSYNC_OFFICIAL_NPM_PACKAGE}")
endif()
