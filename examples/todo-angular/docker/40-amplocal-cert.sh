#!/bin/sh
# Picks the certificate nginx serves (run by the nginx image's entrypoint, as root, before nginx):
# amplocal's leaf (signed by amplocal's local CA) when its data volume is mounted at /amplocal,
# else the self-signed one baked into the image.
set -eu
src_crt=/etc/nginx/tls/selfsigned.crt
src_key=/etc/nginx/tls/selfsigned.key
if [ -r /amplocal/tls/cert.pem ] && [ -r /amplocal/tls/key.pem ]; then
    src_crt=/amplocal/tls/cert.pem
    src_key=/amplocal/tls/key.pem
    echo "40-amplocal-cert: serving amplocal's certificate (trust /amplocal/tls/ca.pem)"
else
    echo "40-amplocal-cert: amplocal's certificate not found; serving the self-signed one"
fi
cp "$src_crt" /etc/nginx/tls/server.crt
cp "$src_key" /etc/nginx/tls/server.key
chmod 0600 /etc/nginx/tls/server.key
