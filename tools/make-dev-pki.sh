#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes a development PKI for mutual TLS between units and the back-office simulator (anpr-bofsim).
#
# Usage: tools/make-dev-pki.sh [--cn NAME] OUT_DIR [DEVICE_KEY_PEM...]
#
# Writes into OUT_DIR (created mode 0700 if missing):
#   ca.pem, ca.key                  the dev CA (EC P-256, 10 years): give ca.pem to anpr-bofsim --ca
#                                   (it checks device certificates) and to units (the pinned bundle)
#   server.pem, server.key          server certificate from that CA: CN=localhost,
#                                   SAN DNS:localhost and IP:127.0.0.1 (anpr-bofsim --cert/--key)
#   devices/NAME.pem                for each DEVICE_KEY_PEM (an ECDSA P-256 private key, as made by
#                                   `anprd --gen-key`): a client certificate from the CA whose public
#                                   key is that device key. NAME is the key file's basename without its
#                                   extension, or --cn NAME (only with a single key).
#   wrong/ca.pem, wrong/ca.key,     a second, unrelated CA and a server certificate from it, for the
#   wrong/server.pem, wrong/server.key   "wrong server certificate" test
#   wrong/devices/NAME.pem          each device key certified by the wrong CA, for "wrong client CA"
#
# Idempotent: files already present are kept (a device certificate is remade only when it no longer
# matches its key or the CA). Private keys are mode 0600. Needs the openssl CLI.
# Exit status: 0 done, 1 openssl failed, 64 usage error.
set -euo pipefail
umask 077

usage() {
	sed -n '3,/^# Exit status/s/^# \{0,1\}//p' "$0" >&2
	exit 64
}

cn=""
while [ $# -gt 0 ]; do
	case "$1" in
	--cn)
		[ $# -ge 2 ] || usage
		cn=$2
		shift 2
		;;
	--cn=*)
		cn=${1#--cn=}
		shift
		;;
	-h | --help) usage ;;
	--)
		shift
		break
		;;
	-*)
		echo "make-dev-pki: unknown option $1" >&2
		usage
		;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
out=$1
shift
if [ -n "$cn" ] && [ $# -ne 1 ]; then
	echo "make-dev-pki: --cn names one device key, got $#" >&2
	exit 64
fi
case "$cn" in
*[!A-Za-z0-9._-]*)
	echo "make-dev-pki: --cn may hold only letters, digits, '.', '_' and '-'" >&2
	exit 64
	;;
esac
command -v openssl >/dev/null || {
	echo "make-dev-pki: the openssl CLI is missing (tools/install-deps.sh installs it)" >&2
	exit 1
}

mkdir -p "$out/devices" "$out/wrong/devices"
chmod 700 "$out"
days=3650

# EC P-256 private key at $1 unless it exists.
make_key() {
	[ -s "$1" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
	chmod 600 "$1"
}

# make_ca DIR NAME: self-signed CA at DIR/ca.pem with key DIR/ca.key.
make_ca() {
	make_key "$1/ca.key"
	[ -s "$1/ca.pem" ] || openssl req -new -x509 -key "$1/ca.key" -out "$1/ca.pem" -days $days -sha256 \
		-subj "/O=ANPR development/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	chmod 644 "$1/ca.pem"
}

# sign CA_DIR KEY(public or private) OUT_PEM CN EXTFILE [-force_pubkey]: a certificate from the CA.
sign() {
	local ca=$1 key=$2 pem=$3 name=$4 ext=$5 csr
	csr=$(mktemp)
	# The CSR only carries the subject; -force_pubkey puts the device's own public key in the certificate.
	openssl req -new -key "$ca/ca.key" -subj "/O=ANPR development/CN=$name" -out "$csr" 2>/dev/null
	openssl x509 -req -in "$csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -days $days -sha256 \
		-extfile "$ext" -force_pubkey "$key" -out "$pem" 2>/dev/null
	rm -f "$csr"
	chmod 644 "$pem"
}

ext_server=$(mktemp)
ext_device=$(mktemp)
trap 'rm -f "$ext_server" "$ext_device"' EXIT
cat >"$ext_server" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EOF
cat >"$ext_device" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOF

# make_server DIR: server.pem/server.key from DIR's CA.
make_server() {
	make_key "$1/server.key"
	if [ ! -s "$1/server.pem" ]; then
		openssl pkey -in "$1/server.key" -pubout -out "$1/server.pub" 2>/dev/null
		sign "$1" "$1/server.pub" "$1/server.pem" localhost "$ext_server"
		rm -f "$1/server.pub"
	fi
}

# Public key of a certificate or key, as DER hex, for the "still matches" check.
spki_of_cert() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER 2>/dev/null | od -An -tx1 | tr -d ' \n'; }
spki_of_key() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | od -An -tx1 | tr -d ' \n'; }

make_ca "$out" "ANPR dev CA"
make_server "$out"
make_ca "$out/wrong" "ANPR wrong CA"
make_server "$out/wrong"

for key in "$@"; do
	if ! openssl pkey -in "$key" -noout 2>/dev/null ||
		! openssl pkey -in "$key" -text -noout 2>/dev/null | grep -q "NIST CURVE: P-256"; then
		echo "make-dev-pki: $key is not an unencrypted EC P-256 private key" >&2
		exit 1
	fi
	name=$cn
	if [ -z "$name" ]; then
		name=$(basename "$key")
		name=${name%.*}
	fi
	for ca in "$out" "$out/wrong"; do
		pem=$ca/devices/$name.pem
		if [ -s "$pem" ] && [ "$(spki_of_cert "$pem")" = "$(spki_of_key "$key")" ] &&
			openssl verify -CAfile "$ca/ca.pem" "$pem" >/dev/null 2>&1; then
			continue
		fi
		pub=$(mktemp)
		openssl pkey -in "$key" -pubout -out "$pub" 2>/dev/null
		sign "$ca" "$pub" "$pem" "$name" "$ext_device"
		rm -f "$pub"
		echo "device certificate: $pem"
	done
done
