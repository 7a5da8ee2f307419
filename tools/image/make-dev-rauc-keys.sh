#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes the development signing keyring for RAUC update bundles (never for units in the field).
#
# Usage: tools/image/make-dev-rauc-keys.sh OUT_DIR
#
# Writes into OUT_DIR (mode 0700): ca.cert.pem/ca.key.pem, the dev update CA (EC P-256, 10 years),
# which the image installs as /etc/rauc/keyring.pem; signing.cert.pem/signing.key.pem, the bundle
# signing certificate issued by it (rauc bundle --cert/--key); and other-ca.* plus
# other-signing.*, an unrelated CA and signer, for the "bundle signed by a stranger" test.
# Idempotent: existing files are kept. A production keyring is made the same way, offline, on a
# machine that never holds a unit (docs/image.md: keys). Exit status: 0 done, 1 openssl failed.
set -euo pipefail
umask 077
[ $# -eq 1 ] || { sed -n '3,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d' >&2; exit 64; }
out=$1
mkdir -p "$out"
chmod 0700 "$out"
ext=$(mktemp)
trap 'rm -f "$ext"' EXIT
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$ext"
make_pair() { # prefix cn
	local ca=$1-ca signer=$1-signing
	[ "$1" = dev ] && ca=ca signer=signing
	if [ ! -f "$out/$ca.cert.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
			-subj "/O=ANPR firmware/CN=$2 update CA" -keyout "$out/$ca.key.pem" -out "$out/$ca.cert.pem" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
		rm -f "$out/$signer.cert.pem"
	fi
	if [ ! -f "$out/$signer.cert.pem" ]; then
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=ANPR firmware/CN=$2 bundle signer" \
			-keyout "$out/$signer.key.pem" -out "$out/$signer.csr" 2>/dev/null
		openssl x509 -req -in "$out/$signer.csr" -CA "$out/$ca.cert.pem" -CAkey "$out/$ca.key.pem" \
			-CAcreateserial -days 3650 -extfile "$ext" -out "$out/$signer.cert.pem" 2>/dev/null
		rm -f "$out/$signer.csr"
	fi
}
make_pair dev "development"
make_pair other "unrelated"
chmod 0644 "$out"/*.cert.pem
echo "make-dev-rauc-keys: keyring $out/ca.cert.pem, signer $out/signing.cert.pem"
