#!/usr/bin/env bash
# Installs everything the tests need and runs every suite. README's test command; .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages of the real peers the suites use. Installed when missing and running as root.
# tini: reaper for orphaned test processes; ffmpeg: decoder and listener; pulseaudio: a sound
# device for naudiodon; libasound2-dev: naudiodon builds against ALSA; flac/lame/vorbis-tools/
# opus-tools: native encoders (reference decoders and benchmarks); libmp3lame0/libvorbisenc2/
# libflac12: the codec libraries our encoders call through koffi; icecast2, liquidsoap: stream
# servers; butt, xvfb: BUTT as control client/server and benchmark peer; linuxptp: the PTP
# grandmaster; gstreamer + tshark: AES67 receivers and packet checks; chromium: the web UI tests' browser.
PEERS=(tini ffmpeg pulseaudio pulseaudio-utils libasound2-plugins libasound2-dev flac lame vorbis-tools opus-tools
  libmp3lame0 libvorbisenc2 libflac12
  icecast2 liquidsoap butt xvfb linuxptp gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-base tshark iproute2 chromium)
missing=()
for pkg in "${PEERS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test-all: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test-all: missing Debian packages (run as root to install): ${missing[*]}" >&2
  fi
fi

# The Electron binary cannot be downloaded everywhere; nothing but the Electron e2e suite needs it.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
npm ci --no-audit --no-fund
npm test
npm run test:e2e
