#!/bin/bash
# Installs PowerShell 7 for the tests of the Windows wrappers: `dotnet tool install --global
# PowerShell --version 7.6.9`, into ~/.dotnet/tools (scripts/test.sh puts that on PATH).
# Idempotent: nothing happens when that version is already there. On a machine without the .NET
# SDK it first installs one from Microsoft's package repository, where that is reachable, and
# otherwise fails saying how to get it. DOTNET names the dotnet command (default: dotnet).
set -euo pipefail

readonly PWSH_VERSION=7.6.9
readonly DOTNET_SDK_PACKAGE=dotnet-sdk-8.0
readonly MICROSOFT_REPO_PACKAGE=https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb
DOTNET=${DOTNET:-dotnet}
TOOLS="$HOME/.dotnet/tools"
export PATH="$TOOLS:$PATH"

installed_version() {
  [ -x "$TOOLS/pwsh" ] || return 1
  # shellcheck disable=SC2016 # a PowerShell variable, not the shell's
  "$TOOLS/pwsh" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null
}

if [ "$(installed_version || true)" = "$PWSH_VERSION" ]; then
  exit 0
fi

if ! command -v "$DOTNET" >/dev/null 2>&1; then
  echo "install-pwsh: no .NET SDK ($DOTNET); trying Microsoft's package repository for $DOTNET_SDK_PACKAGE" >&2
  deb=$(mktemp --suffix=.deb)
  trap 'rm -f "$deb"' EXIT
  if command -v curl >/dev/null 2>&1 && curl -fsSL --max-time 60 -o "$deb" "$MICROSOFT_REPO_PACKAGE" \
    && dpkg -i "$deb" >/dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DOTNET_SDK_PACKAGE" >/dev/null; then
    DOTNET=dotnet
  else
    cat >&2 <<MESSAGE
install-pwsh: cannot install PowerShell $PWSH_VERSION: there is no .NET SDK and Microsoft's package
repository ($MICROSOFT_REPO_PACKAGE) could not be used. The tests of the Windows wrappers run
the real pwsh and fail without it. Install a .NET SDK (8 or later; on Debian 12 see
https://learn.microsoft.com/dotnet/core/install/linux-debian), then run again, or install the tool by hand:
  dotnet tool install --global PowerShell --version $PWSH_VERSION
MESSAGE
    exit 1
  fi
fi

echo "install-pwsh: installing PowerShell $PWSH_VERSION as a .NET global tool" >&2
if [ -x "$TOOLS/pwsh" ]; then
  "$DOTNET" tool update --global PowerShell --version "$PWSH_VERSION" >/dev/null
else
  "$DOTNET" tool install --global PowerShell --version "$PWSH_VERSION" >/dev/null
fi
version=$(installed_version || true)
if [ "$version" != "$PWSH_VERSION" ]; then
  echo "install-pwsh: PowerShell $PWSH_VERSION was installed, but $TOOLS/pwsh reports '${version:-nothing}'" >&2
  exit 1
fi
