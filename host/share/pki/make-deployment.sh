#!/usr/bin/env bash
# make-deployment.sh: a complete DDS Security test deployment for Triad's bilateral links
# (docs/FORMATS.md, "Sharing: PKI and DDS Security").
#
# usage: make-deployment.sh [options] OUTDIR
#   --domain-ac X     domain id of link A-C (nation A <-> hub C), 0..230 (default 1)
#   --domain-bc Y     domain id of link B-C (nation B <-> hub C), 0..230 (default 2)
#   --plugin-dir DIR  where Cyclone's libdds_security_{auth,ac,crypto}.so are (default: the
#                     first of a few usual places that has them; else the bare library names,
#                     found through the loader's search path)
#   --loopback        the configurations also select Triad's loopback setup (127.0.0.1, no
#                     multicast, unicast discovery), for tests on one host
#   --days N          validity of the certificates in days (default 3650)
#   --org NAME        organisation in the subjects (default "Triad test deployment")
#   -h, --help        this text
#
# Makes, under OUTDIR:
#   ca/ca.pem, ca/ca.key         the deployment's CA: identity CA and permissions CA at once
#   NODE/cert.pem, NODE/key.pem  identity of each node (nodeA, nodeB, hub), signed by the CA
#   NODE/permissions.xml, .p7s   its permissions and their S/MIME signature by the CA: nodeA
#                                may join link A-C only, nodeB link B-C only, hub both
#   link-AC/governance.xml, .p7s the governance of link A-C (domain X) and its signature
#   link-BC/governance.xml, .p7s the same for link B-C (domain Y)
#   link-AC/nodeA.xml, link-AC/hub.xml, link-BC/nodeB.xml, link-BC/hub.xml
#                                Cyclone configurations (file: URIs to the above) for
#                                `triad listen --config file://PATH` and
#                                `triad run --dds-config file://PATH`, with --domain X or Y
#
# Idempotent: an existing CA, key or certificate is kept (a certificate is remade only when it
# does not verify against the CA); a document is rewritten and re-signed only when its text
# changed or its signature does not verify. Needs openssl. Prints what it made or kept.
# The private keys are unencrypted (mode 0600): this is a test deployment.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

me=make-deployment.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n '5,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die() { echo "$me: $*" >&2; exit 1; }
bad() { echo "$me: $*" >&2; usage >&2; exit 2; }

domain_ac=1 domain_bc=2 plugin_dir='' loopback=0 days=3650 org="Triad test deployment" out=''
while [ $# -gt 0 ]; do
  case $1 in
    --domain-ac) [ $# -ge 2 ] || bad "$1 needs a value"; domain_ac=$2; shift 2 ;;
    --domain-bc) [ $# -ge 2 ] || bad "$1 needs a value"; domain_bc=$2; shift 2 ;;
    --plugin-dir) [ $# -ge 2 ] || bad "$1 needs a value"; plugin_dir=$2; shift 2 ;;
    --loopback) loopback=1; shift ;;
    --days) [ $# -ge 2 ] || bad "$1 needs a value"; days=$2; shift 2 ;;
    --org) [ $# -ge 2 ] || bad "$1 needs a value"; org=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) bad "unknown option $1" ;;
    *) [ -z "$out" ] || bad "one OUTDIR only"; out=$1; shift ;;
  esac
done
[ -n "$out" ] || bad "no OUTDIR"
for v in "$domain_ac" "$domain_bc"; do
  [[ $v =~ ^[0-9]+$ ]] && [ "$v" -le 230 ] || bad "domain id '$v': must be 0..230"
done
[ "$domain_ac" -ne "$domain_bc" ] || bad "the two links need different domain ids"
[[ $days =~ ^[0-9]+$ ]] && [ "$days" -ge 1 ] || bad "--days '$days': a positive number"
case $org in *[/,=\\\"\<\>\&]*|"") bad "--org '$org': no / , = \\ \" < > &, not empty" ;; esac
command -v openssl >/dev/null 2>&1 || die "openssl not found (install it, e.g. apt-get install openssl)"
for t in governance.xml.in permissions.xml.in; do
  [ -r "$here/$t" ] || die "template $here/$t missing"
done

# Cyclone's security plugins (loaded by Cyclone with dlopen)
libs=(dds_security_auth dds_security_ac dds_security_crypto)
if [ -z "$plugin_dir" ]; then
  for d in /usr/lib/x86_64-linux-gnu/libddsc0debian /usr/lib/"$(uname -m)"-linux-gnu/libddsc0debian \
           /usr/local/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
    if [ -e "$d/libdds_security_auth.so" ]; then plugin_dir=$d; break; fi
  done
fi
if [ -n "$plugin_dir" ]; then
  plugin_dir=$(cd "$plugin_dir" && pwd) || die "--plugin-dir: no such directory"
  for l in "${libs[@]}"; do
    [ -e "$plugin_dir/lib$l.so" ] || die "$plugin_dir/lib$l.so missing (Cyclone DDS security plugins)"
  done
  lib() { printf '%s/lib%s.so' "$plugin_dir" "$1"; }
else
  echo "$me: warning: security plugins not found; the configurations name them bare" >&2
  lib() { printf '%s' "$1"; }
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
umask 077
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

subject() { printf '/C=ZZ/O=%s/CN=%s' "$org" "$1"; } # openssl's form
dds_subject() { printf 'CN=%s,O=%s,C=ZZ' "$1" "$org"; } # the permissions' (RFC 4514) form

# the CA: self-signed, CA:true, keyCertSign
ca=$out/ca
mkdir -p "$ca"
if [ -s "$ca/ca.pem" ] && [ -s "$ca/ca.key" ]; then
  echo "kept    $ca/ca.pem (CA)"
else
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -keyout "$ca/ca.key" \
    -out "$ca/ca.pem" -subj "$(subject "Triad deployment CA")" \
    -addext "basicConstraints=critical,CA:true" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; die "making the CA failed"; }
  echo "made    $ca/ca.pem, $ca/ca.key (CA)"
fi

# node identities
nodes=(nodeA nodeB hub)
for n in "${nodes[@]}"; do
  d=$out/$n
  mkdir -p "$d"
  if [ -s "$d/cert.pem" ] && [ -s "$d/key.pem" ] &&
     openssl verify -CAfile "$ca/ca.pem" "$d/cert.pem" >/dev/null 2>&1; then
    echo "kept    $d/cert.pem ($n identity)"
    continue
  fi
  [ -s "$d/key.pem" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$d/key.pem" 2>"$tmp/err" || { cat "$tmp/err" >&2; die "key of $n failed"; }
  printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment,keyAgreement\n' \
    >"$tmp/ext"
  openssl req -new -key "$d/key.pem" -subj "$(subject "$n")" -out "$tmp/$n.csr" 2>"$tmp/err" &&
    openssl x509 -req -in "$tmp/$n.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -sha256 \
      -set_serial "0x$(openssl rand -hex 8)" -days "$days" -extfile "$tmp/ext" \
      -out "$d/cert.pem" 2>"$tmp/err" || { cat "$tmp/err" >&2; die "certificate of $n failed"; }
  echo "made    $d/cert.pem, $d/key.pem ($n identity)"
done

# install TEXT_FILE DEST WHAT: DEST gets the text and DEST%.xml.p7s its S/MIME signature by
# the CA, unless DEST already has this text and a signature that verifies
sign_into() {
  local src=$1 dst=$2 what=$3 p7s=${2%.xml}.p7s
  if [ -s "$dst" ] && cmp -s "$src" "$dst" && [ -s "$p7s" ] &&
     openssl smime -verify -in "$p7s" -CAfile "$ca/ca.pem" -out /dev/null >/dev/null 2>&1; then
    echo "kept    $p7s ($what)"
    return
  fi
  cp "$src" "$dst"
  openssl smime -sign -text -in "$dst" -out "$p7s" -signer "$ca/ca.pem" -inkey "$ca/ca.key" \
    2>"$tmp/err" || { cat "$tmp/err" >&2; die "signing $dst failed"; }
  echo "signed  $p7s ($what)"
}

# governance per link domain
declare -A link_domain=([AC]=$domain_ac [BC]=$domain_bc)
for link in AC BC; do
  mkdir -p "$out/link-$link"
  sed -e "s|@DOMAIN_ID@|${link_domain[$link]}|g" -e "s|@LINK@|${link:0:1}-${link:1:1}|g" \
    "$here/governance.xml.in" >"$tmp/gov.xml"
  sign_into "$tmp/gov.xml" "$out/link-$link/governance.xml" \
    "governance of link ${link:0:1}-${link:1:1}, domain ${link_domain[$link]}"
done

# permissions per node; validity: that of the node's certificate
iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%S; }
declare -A node_domains=([nodeA]="$domain_ac" [nodeB]="$domain_bc" [hub]="$domain_ac $domain_bc")
for n in "${nodes[@]}"; do
  d=$out/$n
  nb=$(iso "$(openssl x509 -in "$d/cert.pem" -noout -startdate | cut -d= -f2)")
  na=$(iso "$(openssl x509 -in "$d/cert.pem" -noout -enddate | cut -d= -f2)")
  ids=
  for i in ${node_domains[$n]}; do ids+="          <id>$i</id>"$'\n'; done
  ids=${ids%$'\n'}
  awk -v node="$n" -v subj="$(dds_subject "$n")" -v nb="$nb" -v na="$na" -v ids="$ids" '
    /^@DOMAIN_IDS@$/ { print ids; next }
    { gsub(/@NODE@/, node); gsub(/@SUBJECT@/, subj); gsub(/@NOT_BEFORE@/, nb)
      gsub(/@NOT_AFTER@/, na); print }' "$here/permissions.xml.in" >"$tmp/perm.xml"
  sign_into "$tmp/perm.xml" "$d/permissions.xml" "permissions of $n: domain(s) ${node_domains[$n]}"
done

# Cyclone configurations: one per node and link domain. <Domain id="any">: whatever domain
# the participant is created on gets this node's security, so a node started on a domain that
# is not its link's is refused by the governance and by its permissions, instead of joining
# with no security at all.
write_config() { # NODE LINK
  local n=$1 link=$2 f=$out/link-$2/$1.xml
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo "<!-- $n on link ${link:0:1}-${link:1:1} (domain ${link_domain[$link]}); made by $me -->"
    echo '<CycloneDDS xmlns="https://cdds.io/config">'
    echo '  <Domain id="any">'
    if [ "$loopback" = 1 ]; then
      cat <<'EOF'
    <General>
      <Interfaces><NetworkInterface address="127.0.0.1"/></Interfaces>
      <AllowMulticast>false</AllowMulticast>
    </General>
    <Discovery>
      <ParticipantIndex>auto</ParticipantIndex>
      <MaxAutoParticipantIndex>19</MaxAutoParticipantIndex>
      <Peers><Peer address="127.0.0.1"/></Peers>
    </Discovery>
EOF
    fi
    cat <<EOF
    <Security>
      <Authentication>
        <Library path="$(lib dds_security_auth)" initFunction="init_authentication" finalizeFunction="finalize_authentication"/>
        <IdentityCA>file:$ca/ca.pem</IdentityCA>
        <IdentityCertificate>file:$out/$n/cert.pem</IdentityCertificate>
        <PrivateKey>file:$out/$n/key.pem</PrivateKey>
      </Authentication>
      <AccessControl>
        <Library path="$(lib dds_security_ac)" initFunction="init_access_control" finalizeFunction="finalize_access_control"/>
        <PermissionsCA>file:$ca/ca.pem</PermissionsCA>
        <Governance>file:$out/link-$link/governance.p7s</Governance>
        <Permissions>file:$out/$n/permissions.p7s</Permissions>
      </AccessControl>
      <Cryptographic>
        <Library path="$(lib dds_security_crypto)" initFunction="init_crypto" finalizeFunction="finalize_crypto"/>
      </Cryptographic>
    </Security>
  </Domain>
</CycloneDDS>
EOF
  } >"$tmp/cfg.xml"
  if cmp -s "$tmp/cfg.xml" "$f"; then
    echo "kept    $f"
  else
    cp "$tmp/cfg.xml" "$f"
    echo "made    $f ($n, link ${link:0:1}-${link:1:1}: --domain ${link_domain[$link]} --config file://$f)"
  fi
}
write_config nodeA AC
write_config hub AC
write_config nodeB BC
write_config hub BC
chmod 0644 "$ca/ca.pem" "$out"/*/cert.pem "$out"/*/*.xml "$out"/*/*.p7s
chmod 0755 "$ca" "$out"/nodeA "$out"/nodeB "$out"/hub "$out"/link-AC "$out"/link-BC
echo "$me: deployment in $out (link A-C: domain $domain_ac, link B-C: domain $domain_bc)"
