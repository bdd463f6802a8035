#!/bin/sh
# help2man.sh - a man page from a tandem program's --help, which is generated
# from the program's option table: so the page and --help never disagree.
#   man/help2man.sh PROGRAM SECTION > PROGRAM.SECTION
set -eu
prog=$1
sect=$2
name=$(basename "$prog")
"$prog" --help | awk -v name="$name" -v sect="$sect" '
function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); if (s ~ /^[.'"'"']/) s = "\\&" s; return s }
NR == 1 {
	split($0, a, " - ")
	printf ".TH %s %s \"\" \"tandem\" \"tandem\"\n.SH NAME\n%s \\- %s\n", toupper(name), sect, name, esc(a[2])
	next
}
/^Usage: / { sub(/^Usage: /, ""); printf ".SH SYNOPSIS\n.nf\n%s\n", esc($0); syn = 1; next }
syn && /^       / { sub(/^ +/, ""); printf "%s\n", esc($0); next }
syn { printf ".fi\n.SH OPTIONS\n"; syn = 0; opts = 1; if ($0 == "") next }
opts && /^ -/ { sub(/^ /, ""); printf ".TP\n.B %s\n", esc($0); seen = 1; next }
opts && /^    / { sub(/^ +/, ""); printf "%s\n", esc($0); next }
opts && /^$/ { if (seen) { opts = 0; printf ".SH NOTES\n" }; next }
opts && /^Options:/ { next }
/^$/ { printf ".PP\n"; next }
{ printf "%s\n", esc($0) }
END { printf ".SH SEE ALSO\n.BR tandemd (8),\n.BR tandemd.conf (5)\n" }'
