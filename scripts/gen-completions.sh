#!/bin/sh
# Writes creditctl's shell completions and man page to dist/ (not committed).
#
#   scripts/gen-completions.sh            completions + man page (dist/completions, dist/man)
#   scripts/gen-completions.sh --plugin   man page through swift-argument-parser's GenerateManual
#                                         plugin instead (it builds every product in release mode
#                                         first, so it is much slower)
#
# Install: cp dist/completions/creditctl.bash /etc/bash_completion.d/creditctl
#          cp dist/completions/_creditctl /usr/local/share/zsh/site-functions/
#          cp dist/completions/creditctl.fish ~/.config/fish/completions/
#          cp dist/man/creditctl.1 /usr/local/share/man/man1/
set -eu
cd "$(dirname "$0")/.."

swift build --product creditctl
bin="$(swift build --show-bin-path)"
ctl="$bin/creditctl"

mkdir -p dist/completions dist/man
"$ctl" --generate-completion-script bash > dist/completions/creditctl.bash
"$ctl" --generate-completion-script zsh > dist/completions/_creditctl
"$ctl" --generate-completion-script fish > dist/completions/creditctl.fish

# A fixed date keeps the page reproducible; SOURCE_DATE_EPOCH overrides it, as in distro builds.
date="$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)"

if [ "${1:-}" = "--plugin" ]; then
    swift package generate-manual --date "$date"
    cp .build/plugins/GenerateManual/outputs/creditctl/creditctl.1 dist/man/creditctl.1
else
    # generate-manual is the engine of the GenerateManual plugin; running it on the debug binary
    # avoids the plugin's release build of the whole package (daemon and benchmarks included).
    swift build --product generate-manual
    "$bin/generate-manual" "$ctl" --date "$date" --section 1 --output-directory dist/man
fi

# Blank lines from multi-paragraph help are not mdoc; make them paragraph breaks.
sed -i 's/^$/.Pp/' dist/man/creditctl.1
# The page must render, without warnings.
warnings="$(MANWIDTH=80 man -l dist/man/creditctl.1 2>&1 > /dev/null)"
if [ -n "$warnings" ]; then echo "$warnings" >&2; exit 1; fi
echo "wrote dist/completions/{creditctl.bash,_creditctl,creditctl.fish} and dist/man/creditctl.1"
