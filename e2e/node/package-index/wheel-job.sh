#!/bin/sh
# The wheel-building Job's script (e2e/node/package-index.sh runs it in the runtime image's
# wheel-builder stage: the runtime's OS and Python, with compilers). For every requirement file
# in /requirements, `pip wheel` from the package index alone: a wheel the index holds is only
# downloaded, an sdist is built into a wheel for this platform. Then every wheel goes to the
# index (upload.py): the built ones are new there, the rest answer "present".
# Environment: INDEX_URL (…/simple/), INDEX_HOST (for pip's trusted-host), UPLOAD_URL, UPLOAD_USER,
# and the password in /upload/password.
set -eu
py=/opt/venv/bin/python
echo "platform: python $($py -c 'import platform; print(platform.python_version(), *platform.libc_ver(), platform.machine())')"
mkdir -p /tmp/wheels
for req in /requirements/*.txt; do
  echo "== pip wheel -r $(basename "$req")"
  "$py" -m pip wheel --no-cache-dir --disable-pip-version-check --progress-bar off --use-pep517 \
    --index-url "$INDEX_URL" --trusted-host "$INDEX_HOST" -w /tmp/wheels -r "$req"
done
"$py" /requirements/upload.py --url "$UPLOAD_URL" --user "$UPLOAD_USER" --password-file /upload/password /tmp/wheels/*.whl
