# SPDX-License-Identifier: MIT
# Body of the bindings_python_pip test (bindings/CMakeLists.txt): the
# package installs offline with pip and, installed next to the C library,
# finds it with no environment variable.
#   1. `cmake --install` this build into ${WORK_DIR}/prefix;
#   2. pip install --no-index --no-build-isolation (Debian's setuptools) of
#      a copy of bindings/python (pip builds in place: keep the source tree
#      clean) into prefix/lib/python3/site-packages (--target: Debian 12's
#      pip refuses the system environment);
#   3. from another directory, with only PYTHONPATH pointing at the
#      installed package and no PVIRQ_LIBRARY: the package is the installed
#      one, it loaded prefix/lib/libpvirq.so.0, ships py.typed, agrees with
#      the library's version, and the example runs.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/run)
set(prefix ${WORK_DIR}/prefix)
set(site ${prefix}/lib/python3/site-packages)

set(RUN_WORKING_DIRECTORY ${WORK_DIR}/run)
include(${CMAKE_CURRENT_LIST_DIR}/../../../cmake/PvirqRunChecked.cmake)

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
file(COPY ${SOURCE_DIR}/bindings/python/ DESTINATION ${WORK_DIR}/src
     PATTERN __pycache__ EXCLUDE PATTERN "*.egg-info" EXCLUDE PATTERN build EXCLUDE)
set(ENV{PIP_DISABLE_PIP_VERSION_CHECK} 1)
set(ENV{PIP_NO_INPUT} 1)
set(ENV{PIP_ROOT_USER_ACTION} ignore)
run(${PYTHON} -m pip install --no-index --no-build-isolation --no-deps --no-cache-dir
    --target ${site} ${WORK_DIR}/src)

unset(ENV{PVIRQ_LIBRARY})
unset(ENV{LD_LIBRARY_PATH})
set(ENV{PYTHONPATH} ${site})
set(ENV{PYTHONDONTWRITEBYTECODE} 1)
if(PRELOAD)
  set(ENV{LD_PRELOAD} ${PRELOAD})
  set(ENV{ASAN_OPTIONS} detect_leaks=0:abort_on_error=1)
  set(ENV{TSAN_OPTIONS} halt_on_error=1:ignore_noninstrumented_modules=1)
endif()
file(WRITE ${WORK_DIR}/run/check.py "
import os, pvirq
site, prefix = os.path.realpath(r'${site}'), os.path.realpath(r'${prefix}')
assert os.path.realpath(pvirq.__file__).startswith(site + os.sep), pvirq.__file__
assert os.path.realpath(pvirq.library_path()).startswith(prefix + os.sep), pvirq.library_path()
assert os.path.isfile(os.path.join(os.path.dirname(pvirq.__file__), 'py.typed'))
assert pvirq.library_version() == pvirq.HEADER_VERSION, (pvirq.library_version(), pvirq.HEADER_VERSION)
print('installed pvirq', pvirq.__version__, 'loaded', pvirq.library_path())
")
run(${PYTHON} ${WORK_DIR}/run/check.py)
message(STATUS "${run_output}")
run(${PYTHON} ${SOURCE_DIR}/bindings/python/examples/inject.py)
message(STATUS "example with the installed package: ${run_output}")
