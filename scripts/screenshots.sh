#!/usr/bin/env bash
# Takes the README's screenshots from a real window under Xvfb: a set of three made with
# the command line, a meeting in its turns with Bo presenting, then the app opened on the
# meeting console and on people and sync while Bo's device runs `revans serve`.
#
# Needs (Debian): xvfb imagemagick libegl1 libgl1-mesa-dri (mesa's software renderer).
#   bash scripts/screenshots.sh            # writes docs/console.png and docs/people.png
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p revans
bin="$PWD/target/debug/revans"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CONFIG_HOME="$work/home/.config"
mkdir -p "$HOME"
net=(--relay disabled --bind 127.0.0.1:0 --mdns off)
ada() { "$bin" --data-dir "$work/ada" "${net[@]}" "$@"; }
bo() { "$bin" --data-dir "$work/bo" "${net[@]}" "$@"; }
cy() { "$bin" --data-dir "$work/cy" "${net[@]}" "$@"; }

ada profile --name "Ada Okafor" --org "Northgate Council" >/dev/null
set=$(ada set create "Tuesday set" --purpose "Leading change across public services")
ada meeting plan "$set" --at "$(date -u -d '-20 minutes' +%Y-%m-%dT%H:%M:00Z)" --location "Northgate Council, room 4" >/dev/null
ticket_bo=$(ada invite "$set" --for "Bo" 2>/dev/null)
ticket_cy=$(ada invite "$set" --for "Cy" 2>/dev/null)
"$bin" --data-dir "$work/ada" "${net[@]}" serve 2>"$work/ada-serve.log" &
serve=$!
while [ ! -S "$work/ada/control.sock" ]; do sleep 0.1; done
bo join "$ticket_bo" --name "Bo Lindqvist" --org "St Anne's Hospital" >/dev/null 2>&1
cy join "$ticket_cy" --name "Cy Mensah" --org "Riverside Housing" >/dev/null 2>&1
issue=$(bo issue add "$set" "My ward sisters will not adopt the new rota" --why-me "I designed it and I need it to work")
bo sync "$set" >/dev/null
ada meeting phase "$set" next catch-up >/dev/null
ada catchup "$set" next "The restructure went ahead; two of my team left." >/dev/null
ada meeting phase "$set" next agenda >/dev/null
bo bid "$set" next --minutes 40 --urgency high --issue "$issue" >/dev/null
cy bid "$set" next >/dev/null
ada bid "$set" next --minutes 25 >/dev/null
bo sync "$set" >/dev/null
cy sync "$set" >/dev/null
ada agenda "$set" next --lock >/dev/null
ada meeting phase "$set" next turns >/dev/null
ada turn start "$set" next >/dev/null
ada question "$set" next "What would success look like for the sisters?" >/dev/null
ada question "$set" next "Who else wants this to work?" >/dev/null
kill -TERM "$serve"; wait "$serve" || true
bo sync "$set" --timeout 10s >/dev/null 2>&1 || true

# Bo's device stays up, so Ada's window shows it connected and current.
"$bin" --data-dir "$work/bo" "${net[@]}" serve 2>"$work/bo-serve.log" &
Xvfb :99 -screen 0 1100x760x24 >/dev/null 2>&1 &
sleep 1
export DISPLAY=:99 LIBGL_ALWAYS_SOFTWARE=1
mkdir -p docs
for area in console people; do
  "$bin" --data-dir "$work/ada" "${net[@]}" --show "$area" 2>"$work/app-$area.log" &
  app=$!
  sleep 6
  import -window root "docs/$area.png"
  kill "$app"; wait "$app" 2>/dev/null || true
done
echo "wrote docs/console.png and docs/people.png"
