#!/usr/bin/env bash
# The site's JavaScript, served by the book itself (never a CDN): MathJax 3, require.js and the Jupyter
# widgets HTML manager, installed from npm exactly as package-lock.json pins them (`npm ci`: integrity-
# checked, never updated, no install scripts) into _build/npm, then the files the pages load are laid out
# in _build/site-static/npm/, with our own front-end files from book/. _config.yml serves _build/site-static
# as _build/html/_static/ (html_static_path) and points mathjax_path and nb_ipywidgets_js at npm/. Nothing
# here is committed.
#
#   booktools/vendor.sh    (the book's extension runs it at the start of every build, `make book` or plain)
#
# It alone decides whether the front end is current: _build/.front-end-key holds a hash of everything the
# layout comes from (package.json, the lockfile, .npmrc, book/, this script). When it matches, it prints
# "front end: current" and does nothing; otherwise it lays the files out again and prints "front end: laid
# out", and the extension then writes every page again (their script tags carry the files' checksums).
#
# Without Node.js/npm, or with neither the registry nor a warm npm cache (~/.npm), it stops with a message
# naming what is missing: the book is never built with pages that would point at a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
NPM_DIR=_build/npm
SITE=_build/site-static   # served as _build/html/_static/
OUT=$SITE/npm

missing=$(for tool in node npm; do command -v "$tool" >/dev/null || printf ' %s' "$tool"; done)
if [ -n "$missing" ]; then
  echo "ERROR: missing:$missing. The site's MathJax and Jupyter widget manager are installed with Node.js and" >&2
  echo "       npm (package-lock.json). Install them (Debian/Ubuntu: sudo apt-get install nodejs npm; else" >&2
  echo "       https://nodejs.org), then run make book (or booktools/vendor.sh) again." >&2
  exit 1
fi
if [ -d _static ]; then
  # jupyter-book then adds every .js/.css under every html_static_path entry to every page: MathJax's
  # components, the widget manager and our widgets-config.js would all be loaded on every page, twice.
  echo "ERROR: a _static/ folder at the repository root makes jupyter-book inject every vendored .js file" >&2
  echo "       into every page. Keep the book's own front-end files in book/ (see booktools/vendor.sh)." >&2
  exit 1
fi

KEY=$(cat package.json package-lock.json .npmrc book/* "$0" | sha256sum | cut -c1-16)
if [ "$(cat _build/.front-end-key 2>/dev/null)" = "$KEY" ] && [ -f "$NPM_DIR/node_modules/.package-lock.json" ] && [ -s "$OUT/mathjax/tex-chtml.js" ]; then
  echo "front end: current"
  exit 0
fi

mkdir -p "$NPM_DIR"
if ! cmp -s package-lock.json "$NPM_DIR/package-lock.json" || [ ! -f "$NPM_DIR/node_modules/.package-lock.json" ]; then
  # .npmrc goes along: npm reads the project config from the --prefix folder (it keeps the lockfile's
  # tarball URLs whatever ~/.npmrc says, so a warm cache is enough offline)
  cp package.json package-lock.json .npmrc "$NPM_DIR/"
  echo "npm ci: MathJax, require.js, the Jupyter widget manager and axe-core, as package-lock.json pins them"
  npm ci --prefix "$NPM_DIR" --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error || {
    echo "ERROR: npm ci failed (message above). The npm registry ($(npm config get registry)) must be" >&2
    echo "       reachable, or the pinned packages must be in npm's cache (~/.npm, e.g. copied from a machine" >&2
    echo "       that ran make book). The book is not built: its pages would point at files that are not there." >&2
    rm -f "$NPM_DIR/package-lock.json"
    exit 1
  }
fi

NM="$NPM_DIR/node_modules"
rm -rf "$SITE"
mkdir -p "$OUT/mathjax/output/chtml/fonts" "$OUT/mathjax/input/tex" "$OUT/requirejs" \
         "$OUT/jupyter-widgets/@jupyter-widgets/html-manager/dist"
# MathJax 3: the TeX-input/CHTML-output component (the book has no MathML input), its woff2 fonts, the TeX
# extensions it autoloads (\cancel, \require, ...), and what its menu loads lazily (ui; a11y: the
# accessibility explorer; sre: speech).
cp "$NM/mathjax/es5/tex-chtml.js" "$NM/mathjax/LICENSE" "$OUT/mathjax/"
cp -r "$NM/mathjax/es5/output/chtml/fonts/woff-v2" "$OUT/mathjax/output/chtml/fonts/"
cp -r "$NM/mathjax/es5/input/tex/extensions" "$OUT/mathjax/input/tex/"
cp -r "$NM/mathjax/es5/ui" "$NM/mathjax/es5/a11y" "$NM/mathjax/es5/sre" "$OUT/mathjax/"
# require.js, then the widgets HTML manager (ipywidgets 8 and 7 base/controls/output built in)
cp "$NM/requirejs/require.js" "$OUT/requirejs/"
cp "$NM/@jupyter-widgets/html-manager/dist/embed-amd.js" "$OUT/jupyter-widgets/"
# The fontawesome fonts of the widget CSS: webpack resolves them against the AMD module's URL, that is
# <require.js baseUrl>/@jupyter-widgets/html-manager/dist/<hash>.woff2 (book/widgets-config.js sets the
# baseUrl); every current browser takes the woff2 entry of the @font-face, so eot/ttf/svg/woff stay out.
cp "$NM"/@jupyter-widgets/html-manager/dist/*.woff2 "$OUT/jupyter-widgets/@jupyter-widgets/html-manager/dist/"
# our own files (book/): the widget manager's settings, next to it; the book's style additions
cp book/widgets-config.js "$OUT/jupyter-widgets/"
cp book/course.css "$SITE/"

for f in mathjax/tex-chtml.js requirejs/require.js jupyter-widgets/widgets-config.js jupyter-widgets/embed-amd.js; do
  [ -s "$OUT/$f" ] || { echo "ERROR: $OUT/$f is missing after npm ci" >&2; exit 1; }
done
echo "$KEY" > _build/.front-end-key
echo "front end: laid out in $SITE, $(du -sh "$SITE" | cut -f1) (served as _static/)"
