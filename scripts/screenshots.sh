#!/usr/bin/env bash
# Takes the README's screenshots from a real window under Xvfb: a set of three made with
# the command line, a first meeting held (each presenter commits to an action) and a
# second begun with the actions reported on at catch-up and Bo presenting; then the app
# opened on the meeting console, in the room view, on the actions and their charts, and
# on people and sync, while Bo's device runs `revans serve`.
#
# Needs (Debian): xvfb imagemagick libegl1 libgl1-mesa-dri (mesa's software renderer).
#   bash scripts/screenshots.sh   # writes docs/console.png, room.png, actions.png, history.png, people.png
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
ada meeting plan "$set" --at "$(date -u -d '-28 days' +%Y-%m-%dT09:30:00Z)" --location "St Anne's Hospital, seminar room" >/dev/null
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

# The first meeting, four weeks ago: each presents and commits to an action.
ada meeting phase "$set" next catch-up >/dev/null
ada meeting phase "$set" next agenda >/dev/null
bo bid "$set" next --issue "$issue" >/dev/null
cy bid "$set" next >/dev/null
ada bid "$set" next >/dev/null
bo sync "$set" >/dev/null
cy sync "$set" >/dev/null
ada agenda "$set" next --lock >/dev/null
ada meeting phase "$set" next turns >/dev/null
declare -A did
for who in bo cy ada; do  # the batting order: the bids in the order made
  ada turn start "$set" next >/dev/null
  ada question "$set" next "What have you tried already?" --by "$([ "$who" = bo ] && echo "Cy Mensah" || echo "Bo Lindqvist")" >/dev/null
  case $who in
    ada) did[ada]=$(ada action add "$set" "Ask the two team leads what each needs from the other" --likelihood 8 --meeting next) ;;
    bo) did[bo]=$(bo action add "$set" "Try the new rota on one ward for a fortnight" --likelihood 9 --meeting next --issue "$issue"); bo sync "$set" >/dev/null ;;
    cy) did[cy]=$(cy action add "$set" "Visit a housing service that has solved repairs" --likelihood 4 --meeting next); cy sync "$set" >/dev/null ;;
  esac
  ada turn end "$set" next >/dev/null
done
ada meeting phase "$set" next review >/dev/null
ada review "$set" next --worked-well "Good questions; we kept to time." >/dev/null
ada meeting phase "$set" next closed >/dev/null
bo sync "$set" >/dev/null
cy sync "$set" >/dev/null

# The second, now: each reports back at catch-up.
ada meeting phase "$set" next catch-up >/dev/null
ada action report "$set" "${did[ada]}" --status done "They want the same thing, said differently." >/dev/null
bo action report "$set" "${did[bo]}" --status partly "One ward tried it for a week." --learned "Ask the sisters first" >/dev/null
cy action report "$set" "${did[cy]}" --status not "The visit fell through." >/dev/null
bo sync "$set" >/dev/null
cy sync "$set" >/dev/null
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
for view in console room actions history people; do
  case $view in
    room) how=(--room) ;;
    *) how=(--show "$view") ;;
  esac
  "$bin" --data-dir "$work/ada" "${net[@]}" "${how[@]}" 2>"$work/app-$view.log" &
  app=$!
  sleep 6
  if [ "$view" = people ]; then
    # The picture shows Bo's device connected: wait for the connection, not a guess.
    for _ in $(seq 60); do
      ada status "$set" 2>/dev/null | grep -q "yes, direct" && break
      sleep 0.5
    done
    sleep 1
  fi
  import -window root "docs/$view.png"
  kill "$app"; wait "$app" 2>/dev/null || true
done
echo "wrote docs/console.png, room.png, actions.png, history.png and people.png"
