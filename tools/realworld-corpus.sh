#!/usr/bin/env bash
# Extract the real-world SQL corpus listed in tests/oracle/realworld.tsv into OUT/OWNER+NAME/…
# from local git mirrors, for measuring PC010's share (issue #10 item 6):
#
#   tools/realworld-corpus.sh OUT [MIRRORS]     # MIRRORS defaults to /work/.mirror
#   PACKETC_ORACLE_EXTRA=OUT cargo test --test it lint::pglast_oracle::every_write_pglast_sees_in_extra \
#     -- --nocapture
#
# A mirror is a bare git directory at MIRRORS/OWNER+NAME/repo (or MIRRORS/OWNER+NAME); the
# listed commit must be in it. Files the mirror lacks (too large for it) are named and skipped.
# The SQL stays outside the repository: only the list is committed.
set -euo pipefail
out=${1:?usage: realworld-corpus.sh OUT [MIRRORS]}
mirrors=${2:-/work/.mirror}
list=$(dirname "$0")/../tests/oracle/realworld.tsv
mkdir -p "$out"
while IFS=$'\t' read -r repo commit specs skip; do
  [[ -z "$repo" || "$repo" == \#* ]] && continue
  name=${repo/\//+}
  git_dir=$mirrors/$name/repo
  [[ -d "$git_dir" ]] || git_dir=$mirrors/$name
  git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null ||
    { echo "realworld-corpus: $repo: commit $commit is not in $git_dir" >&2; exit 2; }
  n=0
  while IFS= read -r path; do
    [[ "$path" == *.sql ]] || continue
    [[ -n "${skip:-}" && "$path" =~ $skip ]] && continue
    mkdir -p "$out/$name/$(dirname "$path")"
    if git --git-dir="$git_dir" show "$commit:$path" >"$out/$name/$path" 2>/dev/null; then
      n=$((n + 1))
    else
      rm -f "$out/$name/$path"
      echo "realworld-corpus: $repo: $path is absent from the mirror, skipped" >&2
    fi
  done < <(
    # shellcheck disable=SC2086 # the paths are space-separated on purpose
    set -f
    git --git-dir="$git_dir" ls-tree -r --name-only "$commit" -- $specs
  )
  echo "$repo@${commit:0:12}: $n files"
done <"$list"
