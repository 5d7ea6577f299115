#!/usr/bin/env bash
# Create a virtual environment from a pinned requirements file, once: `make env` (the book's, Python 3.11)
# and `make colab-env` (Colab's versions, Python 3.13) both call it.
#
#   booktools/env.sh VENV PYTHON REQUIREMENTS
#
# The environment is complete only when VENV/.complete exists (written last), so an interrupted install is
# redone rather than used. With TORCH_INDEX set (GitHub's runners, which have no GPU:
# TORCH_INDEX=https://download.pytorch.org/whl/cpu), torch and torchvision come from that index at the same
# versions, and the CUDA libraries the requirements pin are left out (a few hundred MB of torch instead of 5.5 GB).
set -euo pipefail
venv=$1 python=$2 requirements=$3
[ -f "$venv/.complete" ] && exit 0
echo "Creating the environment in $venv with $python from $requirements (a few minutes the first time)"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
if [ -n "${TORCH_INDEX:-}" ]; then
  "$venv/bin/pip" install -q --index-url "$TORCH_INDEX" $(grep -E '^torch(vision)?==' "$requirements")
  grep -vE '^(nvidia-|cuda-|triton==)' "$requirements" > "$venv/requirements-cpu.txt"
  requirements="$venv/requirements-cpu.txt"
fi
"$venv/bin/pip" install -q -r "$requirements"
touch "$venv/.complete"
