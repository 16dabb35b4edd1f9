#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to the project's
# PublicAPI.Unshipped.txt, and drops declared symbols that no longer exist (RS0017).
# Usage: eng/update-public-api.sh src/Tessera
set -euo pipefail
project_dir=${1:?usage: $0 <project folder>}
unshipped="$project_dir/PublicAPI.Unshipped.txt"
log=$(mktemp)
dotnet build "$project_dir" -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= --no-incremental -clp:NoSummary >"$log" 2>&1 || true
python3 - "$log" "$unshipped" <<'PY'
import re, sys
log, unshipped = sys.argv[1], sys.argv[2]
text = open(log).read()
add = set(re.findall(r"RS0016: Symbol '(.+?)' is not part of the declared public API", text))
remove = set(re.findall(r"RS0017: Symbol '(.+?)' is part of the declared API, but is either not public or could not be found", text))
lines = [l.rstrip('\n') for l in open(unshipped)]
header = [l for l in lines if l.startswith('#')]
body = {l for l in lines if l and not l.startswith('#')}
body = (body | add) - remove
open(unshipped, 'w').write('\n'.join(header + sorted(body)) + '\n')
print(f"added {len(add)}, removed {len(remove)}")
PY
rm -f "$log"
