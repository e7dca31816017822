# What the bench scripts share (sourced after `set -u`): the repository, the release build, a
# scratch folder removed on exit, and `part N TITLE`, which puts each part in a folder of its
# own, so that no name of one meets another's.
root=$(cd "$(dirname "$0")/.." && pwd)
C=$root/.build/release/clarity
W=$(mktemp -d); cd "$W"
trap 'rm -rf "$W"' EXIT
part() { mkdir -p "$W/$1" && cd "$W/$1" && echo "== $2" && date -u; }
